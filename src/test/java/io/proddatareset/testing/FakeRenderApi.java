package io.proddatareset.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local stand-in for Render's public REST API, answering with the documented response shapes:
 * {@code GET /v1/postgres} (an array of {@code {cursor, postgres: {...}}}, filtered by {@code
 * name}, paged by {@code cursor} and {@code limit}), {@code GET /v1/postgres/{id}} and {@code GET
 * /v1/postgres/{id}/connection-info}; 401 with an error object for a wrong bearer token.
 *
 * <p>Like a fuzzy search would, its {@code name} filter matches substrings ignoring case, so a
 * client has to pick the exact name itself.
 */
public final class FakeRenderApi implements AutoCloseable {
  /** An instance the fake knows. */
  public record Instance(
      String id, String name, String externalUrl, String internalUrl, String password) {}

  private final String key;
  private final List<Instance> instances = new CopyOnWriteArrayList<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private final ObjectMapper json = new ObjectMapper();
  private volatile int forcedStatus;
  private volatile String forcedBody;

  public FakeRenderApi(String key) {
    this.key = key;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/v1/", this::handle);
    server.start();
  }

  /** Adds an instance whose connection strings point at a remote Render host. */
  public FakeRenderApi add(String id, String name, String password) {
    return add(
        new Instance(
            id,
            name,
            "postgresql://app_user:" + password + "@" + id + ".oregon-postgres.render.com/app_db",
            "postgresql://app_user:" + password + "@" + id + "/app_db",
            password));
  }

  public FakeRenderApi add(Instance instance) {
    instances.add(instance);
    return this;
  }

  /** From now on every request gets this status and body. */
  public FakeRenderApi answerAll(int status, String body) {
    this.forcedStatus = status;
    this.forcedBody = body;
    return this;
  }

  /** The API base to pass as RENDER_API_URL. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  /** Every request's path and query, in order. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** Every request's Authorization header, in order. */
  public List<String> authorizations() {
    return List.copyOf(authorizations);
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    String query = ex.getRequestURI().getRawQuery();
    requests.add(path + (query == null ? "" : "?" + query));
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    authorizations.add(String.valueOf(auth));
    try {
      if (forcedStatus != 0) {
        send(ex, forcedStatus, forcedBody);
      } else if (!("Bearer " + key).equals(auth)) {
        send(ex, 401, "{\"id\":\"unauthorized\",\"message\":\"Unauthorized\"}");
      } else if (!ex.getRequestMethod().equals("GET")) {
        send(ex, 405, "{\"message\":\"method not allowed\"}");
      } else if (path.equals("/v1/postgres")) {
        send(ex, 200, list(params(query)));
      } else if (path.startsWith("/v1/postgres/")) {
        String[] parts = path.substring("/v1/postgres/".length()).split("/");
        String id = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
        Instance i = instances.stream().filter(x -> x.id().equals(id)).findFirst().orElse(null);
        if (i == null || parts.length > 2) {
          send(ex, 404, "{\"id\":\"not_found\",\"message\":\"Not Found\"}");
        } else if (parts.length == 2 && parts[1].equals("connection-info")) {
          ObjectNode info = json.createObjectNode();
          info.put("password", i.password());
          info.put("internalConnectionString", i.internalUrl());
          info.put("externalConnectionString", i.externalUrl());
          info.put("psqlCommand", "PGPASSWORD=" + i.password() + " psql " + i.externalUrl());
          send(ex, 200, json.writeValueAsString(info));
        } else if (parts.length == 1) {
          send(ex, 200, json.writeValueAsString(postgres(i)));
        } else {
          send(ex, 404, "{\"id\":\"not_found\",\"message\":\"Not Found\"}");
        }
      } else {
        send(ex, 404, "{\"id\":\"not_found\",\"message\":\"Not Found\"}");
      }
    } finally {
      ex.close();
    }
  }

  private String list(Map<String, String> params) throws IOException {
    int limit = Integer.parseInt(params.getOrDefault("limit", "20"));
    if (limit < 1 || limit > 100) {
      throw new IllegalArgumentException("limit out of range: " + limit);
    }
    String name = params.get("name");
    List<Instance> matching = new ArrayList<>();
    for (Instance i : instances) {
      if (name == null
          || i.name().toLowerCase(Locale.ROOT).contains(name.toLowerCase(Locale.ROOT))) {
        matching.add(i);
      }
    }
    int start = 0;
    String cursor = params.get("cursor");
    if (cursor != null) {
      for (int k = 0; k < matching.size(); k++) {
        if (cursorOf(matching.get(k)).equals(cursor)) {
          start = k + 1;
        }
      }
    }
    ArrayNode page = json.createArrayNode();
    for (int k = start; k < Math.min(matching.size(), start + limit); k++) {
      ObjectNode item = page.addObject();
      item.put("cursor", cursorOf(matching.get(k)));
      item.set("postgres", postgres(matching.get(k)));
    }
    return json.writeValueAsString(page);
  }

  private static String cursorOf(Instance i) {
    return "c-" + Integer.toHexString(i.id().hashCode());
  }

  private ObjectNode postgres(Instance i) {
    ObjectNode p = json.createObjectNode();
    p.put("id", i.id());
    p.putArray("ipAllowList");
    p.put("createdAt", "2026-01-02T03:04:05Z");
    p.put("updatedAt", "2026-01-02T03:04:05Z");
    p.put("databaseName", "app_db");
    p.put("databaseUser", "app_user");
    p.put("highAvailabilityEnabled", false);
    p.put("name", i.name());
    ObjectNode owner = p.putObject("owner");
    owner.put("id", "tea-fake");
    owner.put("name", "Team");
    owner.put("email", "team@example.com");
    owner.put("type", "team");
    p.put("plan", "basic_256mb");
    p.put("region", "oregon");
    p.putArray("readReplicas");
    p.put("role", "primary");
    p.put("status", "available");
    p.put("version", "16");
    p.put("suspended", "not_suspended");
    p.putArray("suspenders");
    p.put("dashboardUrl", "https://dashboard.render.com/d/" + i.id());
    p.put("diskAutoscalingEnabled", false);
    return p;
  }

  private static Map<String, String> params(String query) {
    Map<String, String> m = new HashMap<>();
    if (query != null) {
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          m.put(
              URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return m;
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}

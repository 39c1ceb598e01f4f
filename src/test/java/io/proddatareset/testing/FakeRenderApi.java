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
 * {@code GET /v1/postgres} (an array of {@code {cursor, postgres: {...}}}, filtered by {@code name}
 * and {@code ownerId}, with read replicas unless {@code includeReplicas=false}, paged by {@code
 * cursor} and {@code limit}), {@code GET /v1/postgres/{id}}, {@code GET
 * /v1/postgres/{id}/connection-info} and {@code GET /v1/postgres/{id}/recovery} ({@code
 * {recoveryStatus, startsAt}}, 404 when the instance has none); 401 with an error object for a
 * wrong bearer token; 429 with {@code Ratelimit-*} headers or a 5xx when told to.
 *
 * <p>Like a fuzzy search would, its {@code name} filter matches substrings ignoring case, so a
 * client has to pick the exact name itself.
 */
public final class FakeRenderApi implements AutoCloseable {
  /**
   * An instance the fake knows.
   *
   * @param role {@code primary} or {@code replica}
   * @param status e.g. {@code available}, {@code suspended}, {@code recovery_in_progress}
   * @param suspended {@code suspended} or {@code not_suspended}
   * @param ownerId the workspace, {@code owner.id}
   * @param recoveryStatus {@code AVAILABLE} etc., or null for a 404 from {@code /recovery}
   */
  public record Instance(
      String id,
      String name,
      String externalUrl,
      String internalUrl,
      String password,
      String role,
      String status,
      String suspended,
      String ownerId,
      String recoveryStatus) {

    /** An available primary in workspace {@code tea-fake} without a recovery status. */
    public Instance(
        String id, String name, String externalUrl, String internalUrl, String password) {
      this(
          id,
          name,
          externalUrl,
          internalUrl,
          password,
          "primary",
          "available",
          "not_suspended",
          "tea-fake",
          null);
    }

    public Instance withRole(String role) {
      return new Instance(
          id,
          name,
          externalUrl,
          internalUrl,
          password,
          role,
          status,
          suspended,
          ownerId,
          recoveryStatus);
    }

    public Instance withStatus(String status, String suspended) {
      return new Instance(
          id,
          name,
          externalUrl,
          internalUrl,
          password,
          role,
          status,
          suspended,
          ownerId,
          recoveryStatus);
    }

    public Instance withOwner(String ownerId) {
      return new Instance(
          id,
          name,
          externalUrl,
          internalUrl,
          password,
          role,
          status,
          suspended,
          ownerId,
          recoveryStatus);
    }

    public Instance withRecovery(String recoveryStatus) {
      return new Instance(
          id,
          name,
          externalUrl,
          internalUrl,
          password,
          role,
          status,
          suspended,
          ownerId,
          recoveryStatus);
    }
  }

  /** A recovery status that makes {@code /recovery} answer 500. */
  public static final String RECOVERY_FAILS = "(500)";

  /** A recovery status that makes {@code /recovery} answer 429 with {@code Ratelimit-Reset: 2}. */
  public static final String RECOVERY_LIMITED = "(429)";

  private final String key;
  private volatile boolean ignoreIncludeReplicas;
  private final List<Instance> instances = new CopyOnWriteArrayList<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private final ObjectMapper json = new ObjectMapper();
  private volatile int forcedStatus;
  private volatile String forcedBody;
  // the next requests' answers before the usual one: status, then Ratelimit-Reset (or null)
  private final List<String[]> upcoming = new CopyOnWriteArrayList<>();

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

  /** Adds an instance as {@link #add(String, String, String)} does, then changed by {@code how}. */
  public FakeRenderApi add(
      String id, String name, String password, java.util.function.UnaryOperator<Instance> how) {
    Instance plain =
        new Instance(
            id,
            name,
            "postgresql://app_user:" + password + "@" + id + ".oregon-postgres.render.com/app_db",
            "postgresql://app_user:" + password + "@" + id + "/app_db",
            password);
    return add(how.apply(plain));
  }

  /**
   * The next {@code times} requests are answered 429 with {@code Ratelimit-Limit: 100}, {@code
   * Ratelimit-Remaining: 0} and {@code Ratelimit-Reset: reset} (left out when null).
   */
  public FakeRenderApi limitNext(int times, String reset) {
    for (int k = 0; k < times; k++) {
      upcoming.add(new String[] {"429", reset});
    }
    return this;
  }

  /** The next {@code times} requests are answered with {@code status} and an error object. */
  public FakeRenderApi failNext(int times, int status) {
    for (int k = 0; k < times; k++) {
      upcoming.add(new String[] {Integer.toString(status), null});
    }
    return this;
  }

  public FakeRenderApi add(Instance instance) {
    instances.add(instance);
    return this;
  }

  /** From now on the list has replicas even with {@code includeReplicas=false}. */
  public FakeRenderApi ignoreIncludeReplicas() {
    this.ignoreIncludeReplicas = true;
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
      String[] next = upcoming.isEmpty() ? null : upcoming.remove(0);
      if (next != null && next[0].equals("429")) {
        ex.getResponseHeaders().set("Ratelimit-Limit", "100");
        ex.getResponseHeaders().set("Ratelimit-Remaining", "0");
        if (next[1] != null) {
          ex.getResponseHeaders().set("Ratelimit-Reset", next[1]);
        }
        send(ex, 429, "{\"id\":\"rate_limited\",\"message\":\"Too Many Requests\"}");
      } else if (next != null) {
        send(ex, Integer.parseInt(next[0]), "{\"id\":\"error\",\"message\":\"Try again\"}");
      } else if (forcedStatus != 0) {
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
        } else if (parts.length == 2 && parts[1].equals("recovery")) {
          if (RECOVERY_LIMITED.equals(i.recoveryStatus())) {
            ex.getResponseHeaders().set("Ratelimit-Reset", "2");
            send(ex, 429, "{\"id\":\"rate_limited\",\"message\":\"Too Many Requests\"}");
          } else if (RECOVERY_FAILS.equals(i.recoveryStatus())) {
            send(ex, 500, "{\"id\":\"internal\",\"message\":\"Internal Server Error\"}");
          } else if (i.recoveryStatus() == null) {
            send(ex, 404, "{\"id\":\"not_found\",\"message\":\"Not Found\"}");
          } else {
            ObjectNode r = json.createObjectNode();
            r.put("recoveryStatus", i.recoveryStatus());
            if (i.recoveryStatus().equals("AVAILABLE")) {
              r.put("startsAt", "2026-11-24T13:00:00Z");
            }
            send(ex, 200, json.writeValueAsString(r));
          }
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
    String owner = params.get("ownerId");
    // Render lists replicas unless asked not to
    boolean replicas = ignoreIncludeReplicas || !"false".equals(params.get("includeReplicas"));
    List<Instance> matching = new ArrayList<>();
    for (Instance i : instances) {
      if ((name == null
              || i.name().toLowerCase(Locale.ROOT).contains(name.toLowerCase(Locale.ROOT)))
          && (owner == null || owner.equals(i.ownerId()))
          && (replicas || i.role().equals("primary"))) {
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
    owner.put("id", i.ownerId());
    owner.put("name", "Team");
    owner.put("email", "team@example.com");
    owner.put("type", "team");
    p.put("plan", "basic_256mb");
    p.put("region", "oregon");
    p.putArray("readReplicas");
    p.put("role", i.role());
    p.put("status", i.status());
    p.put("version", "16");
    p.put("suspended", i.suspended());
    ArrayNode suspenders = p.putArray("suspenders");
    if (i.suspended().equals("suspended")) {
      suspenders.add("user");
    }
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

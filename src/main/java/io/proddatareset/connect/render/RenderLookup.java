package io.proddatareset.connect.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Redaction;
import io.proddatareset.connect.TargetParser;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds a Render Postgres instance by name or id through Render's public REST API and returns its
 * connection string as a {@link ConnectionTarget}: {@code GET /postgres?name=NAME} (paged by {@code
 * cursor} and {@code limit}), then {@code GET /postgres/{id}/connection-info}.
 *
 * <p>The API key and the database password are registered with {@link Redaction} as soon as they
 * are known, so no message, exception or stack trace shown afterwards can carry them. Every failure
 * is a one-line {@link ExitException}. Requests have short timeouts: a CLI that hangs on an
 * unreachable API is worse than one that says so.
 */
public final class RenderLookup {
  public static final String DEFAULT_API_URL = "https://api.render.com/v1";
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(15);

  /** The API's maximum page size. */
  public static final int DEFAULT_PAGE_SIZE = 100;

  // a server that keeps handing out pages must not keep the tool busy forever
  private static final int MAX_PAGES = 1000;
  private static final int NAMES_SHOWN = 20;

  private final String apiUrl;
  private final String apiKey;
  private final Duration requestTimeout;
  private final Duration connectTimeout;
  private final int pageSize;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();

  /**
   * Reads {@code RENDER_API_KEY} (required) and {@code RENDER_API_URL} (default {@value
   * #DEFAULT_API_URL}) from {@code env}, with the default timeouts and page size.
   *
   * @throws ExitException USAGE when there is no API key or the URL is not usable
   */
  public static RenderLookup fromEnv(Map<String, String> env) {
    String url = env.get("RENDER_API_URL");
    return new RenderLookup(
        url == null || url.isBlank() ? DEFAULT_API_URL : url.strip(),
        env.get("RENDER_API_KEY"),
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_PAGE_SIZE);
  }

  /**
   * @param apiUrl the API base, e.g. {@value #DEFAULT_API_URL}; https, or http for a loopback host
   * @param apiKey the bearer token; registered with {@link Redaction} at once
   * @param connectTimeout how long to wait for the TCP/TLS connection
   * @param requestTimeout how long to wait for each response
   * @param pageSize the {@code limit} asked for each page of the instance list (1 to 100)
   */
  public RenderLookup(
      String apiUrl,
      String apiKey,
      Duration connectTimeout,
      Duration requestTimeout,
      int pageSize) {
    if (apiKey == null || apiKey.isBlank()) {
      throw ExitException.usage(
          "Finding a Render database needs a Render API key: set RENDER_API_KEY (Render dashboard:"
              + " Account Settings, API Keys).");
    }
    this.apiKey = apiKey.strip();
    Redaction.addKnownSecret(this.apiKey);
    this.apiUrl = checkedBase(apiUrl);
    this.connectTimeout = Objects.requireNonNull(connectTimeout);
    this.requestTimeout = Objects.requireNonNull(requestTimeout);
    if (pageSize < 1 || pageSize > 100) {
      throw new IllegalArgumentException("page size must be 1..100");
    }
    this.pageSize = pageSize;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(connectTimeout)
            .version(HttpClient.Version.HTTP_1_1)
            // a redirect would carry the bearer token to wherever it points
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /**
   * Finds the instance named {@code nameOrId} (or with that id, e.g. {@code dpg-...}) and returns
   * its external connection string, or the internal one (Render's private network) when {@code
   * internal} is true. The target gets the usual TLS default: {@code sslmode=require} for any host
   * that is not loopback, never weaker.
   *
   * @throws ExitException FAILURE when the API is unreachable, slow, rejects the key or knows no
   *     such instance (the message lists the names it knows); USAGE when several instances share
   *     the name (the message lists their ids)
   */
  public RenderDatabase resolve(String nameOrId, boolean internal) {
    if (nameOrId == null || nameOrId.isBlank()) {
      throw ExitException.usage("Give the Render Postgres instance's name or id.");
    }
    Instance instance = find(nameOrId.strip());
    JsonNode info =
        getJson(
            "/postgres/" + encode(instance.id()) + "/connection-info",
            "the connection info of '" + instance.name() + "'");
    if (info == null || !info.isObject()) {
      throw unexpected("the connection info of '" + instance.name() + "'");
    }
    String password = text(info, "password");
    Redaction.addKnownSecret(password);
    String field = internal ? "internalConnectionString" : "externalConnectionString";
    String connectionString = text(info, field);
    if (connectionString == null || connectionString.isBlank()) {
      throw ExitException.failure(
          "The Render API returned no "
              + field
              + " for '"
              + instance.name()
              + "' ("
              + instance.id()
              + ")"
              + (internal ? "" : ": is the database reachable from outside Render?")
              + ".",
          null);
    }
    ConnectionTarget target;
    try {
      target = TargetParser.parse(connectionString);
    } catch (ExitException e) {
      throw ExitException.failure(
          "The Render API returned a connection string for '"
              + instance.name()
              + "' that cannot be used: "
              + Redaction.redact(e.getMessage()),
          null);
    }
    Redaction.addKnownSecret(target.password());
    return new RenderDatabase(instance.id(), instance.name(), internal, target);
  }

  /** An entry of the instance list: only what the lookup needs. */
  record Instance(String id, String name) {}

  private Instance find(String nameOrId) {
    if (looksLikeId(nameOrId)) {
      JsonNode detail = getJson("/postgres/" + encode(nameOrId), "instance " + nameOrId);
      if (detail != null) {
        Instance byId = instance(detail);
        if (byId != null) {
          return byId;
        }
      }
    }
    List<Instance> named = new ArrayList<>();
    for (Instance i : list(nameOrId)) {
      // the API's filter is the API's business; the match here is exact
      if (i.name().equals(nameOrId)) {
        named.add(i);
      }
    }
    if (named.size() == 1) {
      return named.get(0);
    }
    if (named.size() > 1) {
      List<String> ids = named.stream().map(Instance::id).sorted().toList();
      throw ExitException.usage(
          named.size()
              + " Render Postgres instances are named '"
              + nameOrId
              + "' (ids "
              + String.join(", ", ids)
              + "): pass the id of the one you mean, e.g. --render-postgres "
              + ids.get(0)
              + ".");
    }
    TreeSet<String> names = new TreeSet<>();
    for (Instance i : list(null)) {
      names.add(i.name());
    }
    String what = looksLikeId(nameOrId) ? "named or with id" : "named";
    if (names.isEmpty()) {
      throw ExitException.failure(
          "No Render Postgres instance "
              + what
              + " '"
              + nameOrId
              + "': this API key sees no Postgres instances at all; is it a key of the right"
              + " workspace?",
          null);
    }
    List<String> shown = names.stream().limit(NAMES_SHOWN).map(n -> "'" + n + "'").toList();
    throw ExitException.failure(
        "No Render Postgres instance "
            + what
            + " '"
            + nameOrId
            + "'; the instances there are: "
            + String.join(", ", shown)
            + (names.size() > NAMES_SHOWN ? " and " + (names.size() - NAMES_SHOWN) + " more" : "")
            + ".",
        null);
  }

  static boolean looksLikeId(String s) {
    return s.matches("dpg-[A-Za-z0-9]+(-[A-Za-z0-9]+)*");
  }

  /** Every instance the key sees (with that name, when a name is given), following the cursor. */
  private List<Instance> list(String name) {
    List<Instance> all = new ArrayList<>();
    Set<String> cursors = new HashSet<>();
    String cursor = null;
    for (int page = 0; page < MAX_PAGES; page++) {
      StringBuilder path = new StringBuilder("/postgres?limit=").append(pageSize);
      if (name != null) {
        path.append("&name=").append(encode(name));
      }
      if (cursor != null) {
        path.append("&cursor=").append(encode(cursor));
      }
      JsonNode items = getJson(path.toString(), "the list of Postgres instances");
      if (items == null || !items.isArray()) {
        throw unexpected("the list of Postgres instances");
      }
      String last = null;
      for (JsonNode item : items) {
        Instance i = instance(item.get("postgres"));
        if (i == null) {
          throw unexpected("the list of Postgres instances");
        }
        all.add(i);
        last = text(item, "cursor");
      }
      // a short page is the last one; a repeated or missing cursor would loop forever
      if (items.size() < pageSize || last == null || !cursors.add(last)) {
        break;
      }
      cursor = last;
    }
    return all;
  }

  private static Instance instance(JsonNode node) {
    if (node == null || !node.isObject()) {
      return null;
    }
    String id = text(node, "id");
    String name = text(node, "name");
    if (id == null || id.isBlank()) {
      return null;
    }
    return new Instance(id, name == null ? "" : name);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  /** GETs {@code path} below the base; null on 404; every other failure is an ExitException. */
  private JsonNode getJson(String path, String what) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(apiUrl + path))
            .timeout(requestTimeout)
            .header("Authorization", "Bearer " + apiKey)
            .header("Accept", "application/json")
            .header("User-Agent", "prod-data-reset")
            .GET()
            .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpConnectTimeoutException e) {
      throw ExitException.failure(
          "Timed out after "
              + Durations.limit(connectTimeout)
              + " connecting to the Render API at "
              + shownBase()
              + ": check the network, a proxy, or RENDER_API_URL.",
          null);
    } catch (HttpTimeoutException e) {
      throw ExitException.failure(
          "The Render API at "
              + shownBase()
              + " did not answer within "
              + Durations.limit(requestTimeout)
              + " (asking for "
              + what
              + "): try again later; Render's status is at https://status.render.com.",
          null);
    } catch (ConnectException e) {
      throw ExitException.failure(
          "Cannot reach the Render API at "
              + shownBase()
              + " ("
              + describe(e)
              + "): check the network, a proxy, or RENDER_API_URL.",
          null);
    } catch (IOException e) {
      throw ExitException.failure(
          "Talking to the Render API at "
              + shownBase()
              + " failed ("
              + describe(e)
              + "): check the network and try again.",
          null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExitException(ExitStatus.CANCELLED, "Interrupted while asking the Render API.");
    }
    int status = response.statusCode();
    if (status == 404) {
      return null;
    }
    if (status == 401 || status == 403) {
      throw ExitException.failure(
          "The Render API rejected RENDER_API_KEY (HTTP "
              + status
              + (status == 401 ? ", unauthorized" : ", forbidden")
              + "): check the key, or create one in the Render dashboard (Account Settings, API"
              + " Keys).",
          null);
    }
    if (status == 429) {
      throw ExitException.failure(
          "The Render API is limiting the rate of requests (HTTP 429): wait a minute and try again.",
          null);
    }
    if (status != 200) {
      throw ExitException.failure(
          "The Render API answered HTTP "
              + status
              + " when asked for "
              + what
              + errorDetail(response.body())
              + ".",
          null);
    }
    try {
      return json.readTree(response.body());
    } catch (JsonProcessingException e) {
      // no cause attached: the parser's message quotes the body, which may hold a password
      throw unexpected(what);
    }
  }

  private String errorDetail(String body) {
    try {
      JsonNode node = json.readTree(body);
      String message = node == null ? null : text(node, "message");
      if (message != null && !message.isBlank()) {
        String m = Redaction.redact(message.strip().replaceAll("\\s+", " "));
        return ": " + (m.length() > 200 ? m.substring(0, 200) + "..." : m);
      }
    } catch (JsonProcessingException e) {
      // no usable detail
    }
    return "";
  }

  private ExitException unexpected(String what) {
    return ExitException.failure(
        "The Render API at "
            + shownBase()
            + " answered with something other than the documented JSON for "
            + what
            + ": is RENDER_API_URL right?",
        null);
  }

  private String shownBase() {
    return Redaction.redact(apiUrl);
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      Throwable c = e.getCause();
      m = c == null ? null : c.getMessage();
      if (m == null || m.isBlank()) {
        return c != null ? c.getClass().getSimpleName() : e.getClass().getSimpleName();
      }
    }
    return Redaction.redact(m.strip());
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String checkedBase(String apiUrl) {
    String url = apiUrl == null ? "" : apiUrl.strip();
    while (url.endsWith("/")) {
      url = url.substring(0, url.length() - 1);
    }
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw ExitException.usage(
          "RENDER_API_URL '"
              + Redaction.redact(url)
              + "' is not a URL: unset it to use "
              + DEFAULT_API_URL
              + ".");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw ExitException.usage(
          "RENDER_API_URL '"
              + Redaction.redact(url)
              + "' is not an http(s) URL: unset it to use "
              + DEFAULT_API_URL
              + ".");
    }
    if (scheme.equals("http") && !TargetParser.isLoopback(uri.getHost())) {
      throw ExitException.usage(
          "RENDER_API_URL '"
              + Redaction.redact(url)
              + "' uses plain http, which would send the API key unencrypted: use https.");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw ExitException.usage(
          "RENDER_API_URL '"
              + Redaction.redact(url)
              + "' must be a plain base URL such as "
              + DEFAULT_API_URL
              + ".");
    }
    return url;
  }
}

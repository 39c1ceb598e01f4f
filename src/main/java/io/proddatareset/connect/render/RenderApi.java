package io.proddatareset.connect.render;

import static io.proddatareset.connect.render.RenderJson.instance;
import static io.proddatareset.connect.render.RenderJson.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.connect.Redaction;
import io.proddatareset.connect.TargetParser;
import io.proddatareset.connect.render.RenderJson.Instance;
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
import java.util.Objects;
import java.util.Set;

/**
 * The three calls the lookup makes to Render's REST API, over one HTTP client that follows no
 * redirect: an instance by id, the instance list (paged by {@code cursor} and {@code limit}), an
 * instance's connection info. Every failure but a 404 is a one-line {@link ExitException} that
 * shows the base URL redacted and no part of a response body that might hold a secret.
 */
final class RenderApi {
  // a server that keeps handing out pages must not keep the tool busy forever
  private static final int MAX_PAGES = 1000;

  private final String apiUrl;
  private final String apiKey;
  private final Duration requestTimeout;
  private final Duration connectTimeout;
  private final int pageSize;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final RenderRetry retry;
  // every wait of this lookup so far, against the retry budget
  private Duration waited = Duration.ZERO;

  /**
   * @param apiKey the bearer token, registered with {@link Redaction} already
   * @throws ExitException USAGE when the base URL is not usable
   */
  RenderApi(
      String apiUrl,
      String apiKey,
      Duration connectTimeout,
      Duration requestTimeout,
      int pageSize,
      RenderRetry retry) {
    this.apiKey = apiKey;
    this.retry = Objects.requireNonNull(retry);
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

  /** {@code GET /postgres/{id}}: the instance with that id; null when there is none. */
  Instance byId(String id) {
    JsonNode detail = getJson("/postgres/" + encode(id), "instance " + id);
    return detail == null ? null : instance(detail);
  }

  /** {@code GET /postgres/{id}/connection-info}: an object, or a failure naming {@code what}. */
  JsonNode connectionInfo(Instance instance) {
    String what = "the connection info of '" + instance.name() + "'";
    JsonNode info = getJson("/postgres/" + encode(instance.id()) + "/connection-info", what);
    if (info == null || !info.isObject()) {
      throw unexpected(what);
    }
    return info;
  }

  /**
   * {@code GET /postgres/{id}/recovery}: Render's point-in-time-recovery status ({@code AVAILABLE},
   * {@code BACKUP_NOT_READY}, {@code NOT_AVAILABLE}, with {@code startsAt} when known); null when
   * the API does not report it: a 404, any failure, or an answer without a status. A failure here
   * never fails the lookup: the status is a second safety net, not a condition, so it is asked
   * once, never retried.
   */
  RenderJson.Recovery recovery(Instance instance) {
    try {
      JsonNode r =
          getJson("/postgres/" + encode(instance.id()) + "/recovery", "recovery status", false);
      return r == null ? null : RenderJson.recovery(r);
    } catch (ExitException e) {
      if (e.status() == ExitStatus.CANCELLED) {
        throw e;
      }
      return null;
    }
  }

  /**
   * Every primary instance the key sees (with that name, when a name is given; in that workspace,
   * when an owner is given), following the cursor. Replicas are asked to be left out ({@code
   * includeReplicas=false}; Render lists them by default, under the primary's name) and skipped if
   * listed anyway.
   */
  List<Instance> list(String name, String ownerId) {
    List<Instance> all = new ArrayList<>();
    Set<String> cursors = new HashSet<>();
    String cursor = null;
    for (int page = 0; page < MAX_PAGES; page++) {
      StringBuilder path =
          new StringBuilder("/postgres?includeReplicas=false&limit=").append(pageSize);
      if (name != null) {
        path.append("&name=").append(encode(name));
      }
      if (ownerId != null) {
        path.append("&ownerId=").append(encode(ownerId));
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
        if (i.primary()) {
          all.add(i);
        }
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

  /**
   * GETs {@code path} below the base; null on 404; every other failure is an ExitException. A 429
   * or 5xx is asked again after the wait {@link RenderRetry} gives, while the lookup's waits stay
   * within its budget.
   */
  private JsonNode getJson(String path, String what) {
    return getJson(path, what, true);
  }

  private JsonNode getJson(String path, String what, boolean retried) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(apiUrl + path))
            .timeout(requestTimeout)
            .header("Authorization", "Bearer " + apiKey)
            .header("Accept", "application/json")
            .header("User-Agent", "prod-data-reset")
            .GET()
            .build();
    HttpResponse<String> response;
    for (int attempt = 0; ; attempt++) {
      response = send(request, what);
      if (!retried || !RenderRetry.retried(response.statusCode())) {
        break;
      }
      Duration asked = retry.asked(response);
      Duration wait = retry.wait(asked, attempt);
      if (waited.plus(wait).compareTo(retry.budget) > 0) {
        throw gaveUp(response, what, asked, attempt + 1);
      }
      try {
        retry.sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ExitException(ExitStatus.CANCELLED, "Interrupted while asking the Render API.");
      }
      waited = waited.plus(wait);
    }
    return answer(response, what);
  }

  private ExitException gaveUp(
      HttpResponse<String> response, String what, Duration asked, int attempts) {
    String tried =
        attempts == 1
            ? ""
            : " (" + attempts + " attempts over " + Durations.elapsed(waited.toMillis()) + ")";
    if (response.statusCode() != 429) {
      return failure(
          "The Render API answered HTTP %d when asked for %s%s%s: try again later; Render's status"
              + " is at https://status.render.com.",
          response.statusCode(), what, errorDetail(response.body()), tried);
    }
    String limit = response.headers().firstValue("Ratelimit-Limit").map(String::strip).orElse("");
    String named = limit.matches("[0-9]{1,9}") ? ", Ratelimit-Limit " + limit : "";
    if (asked == null) {
      return failure(
          "The Render API is limiting the rate of requests (HTTP 429%s) when asked for %s%s, and"
              + " this tool waits at most %s in all: wait a minute and try again.",
          named, what, tried, Durations.limit(retry.budget));
    }
    return failure(
        "The Render API is limiting the rate of requests (HTTP 429%s) when asked for %s%s; the"
            + " limit resets in %s, more than is left of the %s this tool waits in all: try again"
            + " then.",
        named, what, tried, Durations.elapsed(asked.toMillis()), Durations.limit(retry.budget));
  }

  private HttpResponse<String> send(HttpRequest request, String what) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpConnectTimeoutException e) {
      throw failure(
          "Timed out after %s connecting to the Render API at %s: check the network, a proxy, or"
              + " RENDER_API_URL.",
          Durations.limit(connectTimeout), shownBase());
    } catch (HttpTimeoutException e) {
      throw failure(
          "The Render API at %s did not answer within %s (asking for %s): try again later;"
              + " Render's status is at https://status.render.com.",
          shownBase(), Durations.limit(requestTimeout), what);
    } catch (ConnectException e) {
      throw failure(
          "Cannot reach the Render API at %s (%s): check the network, a proxy, or RENDER_API_URL.",
          shownBase(), describe(e));
    } catch (IOException e) {
      throw failure(
          "Talking to the Render API at %s failed (%s): check the network and try again.",
          shownBase(), describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExitException(ExitStatus.CANCELLED, "Interrupted while asking the Render API.");
    }
  }

  private JsonNode answer(HttpResponse<String> response, String what) {
    int status = response.statusCode();
    if (status == 404) {
      return null;
    }
    if (status == 401 || status == 403) {
      throw failure(
          "The Render API rejected RENDER_API_KEY (HTTP %d, %s): check the key, or create one in"
              + " the Render dashboard (Account Settings, API Keys).",
          status, status == 401 ? "unauthorized" : "forbidden");
    }
    if (status != 200) {
      throw failure(
          "The Render API answered HTTP %d when asked for %s%s.",
          status, what, errorDetail(response.body()));
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
    return failure(
        "The Render API at %s answered with something other than the documented JSON for %s: is"
            + " RENDER_API_URL right?",
        shownBase(), what);
  }

  /**
   * A one-line failure of a request to the API, without a cause: {@code message} with {@code
   * values} in its {@code %s} and {@code %d} places.
   */
  private static ExitException failure(String message, Object... values) {
    return ExitException.failure(String.format(Locale.ROOT, message, values), null);
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
      throw badBase(url, "is not a URL: unset it to use " + RenderLookup.DEFAULT_API_URL + ".");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw badBase(
          url, "is not an http(s) URL: unset it to use " + RenderLookup.DEFAULT_API_URL + ".");
    }
    if (scheme.equals("http") && !TargetParser.isLoopback(uri.getHost())) {
      throw badBase(url, "uses plain http, which would send the API key unencrypted: use https.");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw badBase(url, "must be a plain base URL such as " + RenderLookup.DEFAULT_API_URL + ".");
    }
    return url;
  }

  private static ExitException badBase(String url, String why) {
    return ExitException.usage("RENDER_API_URL '" + Redaction.redact(url) + "' " + why);
  }
}

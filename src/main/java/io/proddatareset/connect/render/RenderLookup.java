package io.proddatareset.connect.render;

import com.fasterxml.jackson.databind.JsonNode;
import io.proddatareset.ExitException;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Redaction;
import io.proddatareset.connect.TargetParser;
import io.proddatareset.connect.render.RenderJson.Instance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  private static final int NAMES_SHOWN = 20;

  private final RenderApi api;

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
    String key = apiKey.strip();
    Redaction.addKnownSecret(key);
    this.api = new RenderApi(apiUrl, key, connectTimeout, requestTimeout, pageSize);
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
    JsonNode info = api.connectionInfo(instance);
    String password = RenderJson.text(info, "password");
    Redaction.addKnownSecret(password);
    String field = internal ? "internalConnectionString" : "externalConnectionString";
    String connectionString = RenderJson.text(info, field);
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

  private Instance find(String nameOrId) {
    if (looksLikeId(nameOrId)) {
      Instance byId = api.byId(nameOrId);
      if (byId != null) {
        return byId;
      }
    }
    List<Instance> named = new ArrayList<>();
    for (Instance i : api.list(nameOrId)) {
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
    for (Instance i : api.list(null)) {
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
}

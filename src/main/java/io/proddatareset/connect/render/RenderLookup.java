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

  private static final int NAMES_SHOWN = 20;

  private final RenderApi api;
  private final String ownerId;

  /**
   * Reads {@code RENDER_API_KEY} (required) and {@code RENDER_API_URL} (default {@value
   * #DEFAULT_API_URL}) from {@code env}, with the default timeouts and page size.
   *
   * @param ownerId the workspace to look in ({@code --render-owner}); null for every workspace the
   *     key reaches
   * @throws ExitException USAGE when there is no API key or the URL is not usable
   */
  public static RenderLookup fromEnv(Map<String, String> env, String ownerId) {
    String url = env.get("RENDER_API_URL");
    return new RenderLookup(
        url == null || url.isBlank() ? DEFAULT_API_URL : url.strip(),
        env.get("RENDER_API_KEY"),
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_PAGE_SIZE,
        ownerId,
        RenderRetry.standard());
  }

  /** {@link #fromEnv(Map, String)} in every workspace the key reaches. */
  public static RenderLookup fromEnv(Map<String, String> env) {
    return fromEnv(env, null);
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
    this(apiUrl, apiKey, connectTimeout, requestTimeout, pageSize, null, RenderRetry.standard());
  }

  /** With a workspace to look in (or null) and the waits between retries (a test's own). */
  RenderLookup(
      String apiUrl,
      String apiKey,
      Duration connectTimeout,
      Duration requestTimeout,
      int pageSize,
      String ownerId,
      RenderRetry retry) {
    if (ownerId != null && !ownerId.strip().matches("[A-Za-z0-9_-]{1,100}")) {
      throw ExitException.usage(
          "--render-owner takes a workspace id such as tea-... or usr-... (Render dashboard:"
              + " Workspace Settings), not '"
              + Redaction.redact(ownerId.strip())
              + "'.");
    }
    this.ownerId = ownerId == null ? null : ownerId.strip();
    if (apiKey == null || apiKey.isBlank()) {
      throw ExitException.usage(
          "Finding a Render database needs a Render API key: set RENDER_API_KEY (Render dashboard:"
              + " Account Settings, API Keys).");
    }
    String key = apiKey.strip();
    Redaction.addKnownSecret(key);
    this.api = new RenderApi(apiUrl, key, connectTimeout, requestTimeout, pageSize, retry);
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
    refuseUnavailable(instance);
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
    RenderJson.Recovery recovery = api.recovery(instance);
    return new RenderDatabase(
        instance.id(),
        instance.name(),
        internal,
        target,
        word(instance.region()),
        word(instance.plan()),
        dashboardUrl(instance.dashboardUrl()),
        recovery == null ? null : recovery.status(),
        recovery == null ? null : recovery.startsAt());
  }

  // statuses in which the database serves as usual: maintenance is only planned
  private static final Set<String> SERVING = Set.of("available", "maintenance_scheduled");

  /** A suspended instance, or one that is not available, is refused with its status. */
  private static void refuseUnavailable(Instance i) {
    String what = "Render Postgres '" + i.name() + "' (" + i.id() + ")";
    String where = i.dashboardUrl() == null ? "" : " (" + dashboardUrl(i.dashboardUrl()) + ")";
    if ("suspended".equals(i.suspended()) || "suspended".equals(i.status())) {
      throw ExitException.refused(
          what
              + " is suspended: resume it in the Render dashboard"
              + where
              + " and try again. Nothing was changed.");
    }
    if (i.status() != null && !SERVING.contains(i.status())) {
      throw ExitException.refused(
          what
              + " is not available (status "
              + word(i.status())
              + "): wait until the Render dashboard"
              + where
              + " shows it available and try again. Nothing was changed.");
    }
  }

  private Instance find(String nameOrId) {
    if (looksLikeId(nameOrId)) {
      Instance byId = api.byId(nameOrId);
      if (byId != null && (ownerId == null || ownerId.equals(byId.ownerId()))) {
        if (!byId.primary()) {
          throw ExitException.usage(
              "Render Postgres "
                  + nameOrId
                  + " ('"
                  + byId.name()
                  + "') is a read replica (role "
                  + word(byId.role())
                  + "), which cannot be reset: pass the primary's name or id.");
        }
        return byId;
      }
    }
    List<Instance> named = new ArrayList<>();
    for (Instance i : api.list(nameOrId, ownerId)) {
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
      TreeSet<String> owners = new TreeSet<>();
      named.forEach(i -> owners.add(i.ownerId() == null ? "?" : i.ownerId()));
      boolean severalOwners = ownerId == null && owners.size() > 1 && !owners.contains("?");
      throw ExitException.usage(
          named.size()
              + " Render Postgres instances are named '"
              + nameOrId
              + "' (ids "
              + String.join(", ", ids)
              + (severalOwners ? ", in workspaces " + String.join(", ", owners) : "")
              + "): pass the id of the one you mean, e.g. --render-postgres "
              + ids.get(0)
              + (severalOwners ? ", or the workspace with --render-owner " + owners.first() : "")
              + ".");
    }
    TreeSet<String> names = new TreeSet<>();
    for (Instance i : api.list(null, ownerId)) {
      names.add(i.name());
    }
    String what = looksLikeId(nameOrId) ? "named or with id" : "named";
    String scope =
        ownerId == null
            ? "in the workspaces this API key reaches (a key belongs to a user and reaches all of"
                + " the user's workspaces)"
            : "in workspace " + ownerId;
    if (names.isEmpty()) {
      throw ExitException.failure(
          "No Render Postgres instance "
              + what
              + " '"
              + nameOrId
              + "': there is no Postgres instance at all "
              + scope
              + (ownerId == null
                  ? "; is it the key of a user who belongs to the right workspace?"
                  : "; is the --render-owner id right?"),
          null);
    }
    List<String> shown = names.stream().limit(NAMES_SHOWN).map(n -> "'" + n + "'").toList();
    throw ExitException.failure(
        "No Render Postgres instance "
            + what
            + " '"
            + nameOrId
            + "'"
            + (ownerId == null ? "" : " in workspace " + ownerId)
            + "; the instances there are: "
            + String.join(", ", shown)
            + (names.size() > NAMES_SHOWN ? " and " + (names.size() - NAMES_SHOWN) + " more" : "")
            + ".",
        null);
  }

  /** A value of the API's documented kinds (a region, a plan, a status); null otherwise. */
  private static String word(String s) {
    return s != null && s.matches("[A-Za-z0-9_.-]{1,60}") ? s : null;
  }

  private static String dashboardUrl(String s) {
    return s != null && s.matches("https://[!-~]{1,300}") ? s : null;
  }

  static boolean looksLikeId(String s) {
    return s.matches("dpg-[A-Za-z0-9]+(-[A-Za-z0-9]+)*");
  }
}

package io.proddatareset.cli;

import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.PasswordSource;
import io.proddatareset.connect.TargetParser;
import io.proddatareset.connect.TargetUri;
import io.proddatareset.connect.render.RenderDatabase;
import io.proddatareset.connect.render.RenderLookup;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where to connect: shared by every command that talks to a database. */
public class TargetOptions {
  @Option(
      names = "--url",
      paramLabel = "URL",
      description =
          "Database to work on: postgres://user:pass@host:port/db?sslmode=..., a jdbc:postgresql:// URL"
              + " or libpq key=value pairs. Default: the DATABASE_URL environment variable."
              + " A missing password comes from PGPASSWORD or ~/.pgpass.")
  String url;

  @Option(
      names = "--sslmode",
      paramLabel = "MODE",
      description =
          "TLS mode (disable, allow, prefer, require, verify-ca, verify-full). Default: require for"
              + " any host that is not loopback; weaker modes are refused for remote hosts.")
  String sslMode;

  @Option(
      names = "--connect-timeout",
      paramLabel = "DURATION",
      description =
          "How long to wait for the server to accept the connection and to answer the start-up"
              + " (TLS, login, a first query), e.g. 5s, 30s, 2m; a dead ssh tunnel or kubectl"
              + " port-forward then fails instead of hanging. Queries after that have no time"
              + " limit. Default: connect_timeout in the URL (seconds), else the PGCONNECT_TIMEOUT"
              + " environment variable (seconds), else 10s. 0 or less there counts as not set"
              + " (never as wait forever).")
  String connectTimeout;

  @Option(
      names = "--render-postgres",
      paramLabel = "NAME|ID",
      description =
          "Find the database through the Render API by the Postgres instance's name (or its id,"
              + " dpg-...), with the API key in RENDER_API_KEY, and use its external connection"
              + " string (TLS required). RENDER_API_URL changes the API base (default "
              + RenderLookup.DEFAULT_API_URL
              + "). Overrides DATABASE_URL; not together with --url.")
  String renderPostgres;

  @Option(
      names = "--render-internal",
      description =
          "With --render-postgres: use the internal connection string instead, when running on"
              + " Render's private network.")
  boolean renderInternal;

  @Option(
      names = "--render-owner",
      paramLabel = "ID",
      description =
          "With --render-postgres: look only in this workspace (its id, tea-... or usr-...). A"
              + " Render API key belongs to a user and reaches all of the user's workspaces, so"
              + " the same name may be found in several.")
  String renderOwner;

  private SameTarget sameTarget;
  private RenderDatabase render;

  /**
   * The options that name the target {@link #resolve} returned once more, for a command the tool
   * prints to be run later in the same environment: {@code --url} with the URL without its
   * password, nothing when it came from {@code DATABASE_URL}, {@code --render-postgres NAME} (and
   * {@code --render-owner}, {@code --render-internal}) for a Render lookup, and {@code --sslmode}
   * as given.
   *
   * @param options the options, unquoted
   * @param passwordLeftOut true when the URL held a password that {@code options} leave out: it has
   *     to come from {@code PGPASSWORD} or {@code ~/.pgpass} instead
   */
  public record SameTarget(List<String> options, boolean passwordLeftOut) {
    public SameTarget {
      options = List.copyOf(options);
    }
  }

  /** How to name the last resolved target again; null before {@link #resolve}. */
  public SameTarget sameTarget() {
    return sameTarget;
  }

  /** The Render instance {@link #resolve} found; null when the target did not come from Render. */
  public RenderDatabase render() {
    return render;
  }

  /**
   * Resolves the target from, in order: {@code --url} or the positional URL, {@code
   * --render-postgres} (through the Render API), {@code DATABASE_URL}. A Render lookup says on
   * stderr which instance it found.
   */
  public ConnectionTarget resolve(String positionalUrl, Io io) {
    if (url != null && positionalUrl != null && !url.equals(positionalUrl)) {
      throw ExitException.usage(
          "Give the database once: either --url or a positional URL, not both.");
    }
    java.time.Duration timeout =
        connectTimeout == null ? null : Durations.parse("--connect-timeout", connectTimeout);
    if (renderInternal && renderPostgres == null) {
      throw ExitException.usage("--render-internal goes with --render-postgres NAME.");
    }
    if (renderOwner != null && renderPostgres == null) {
      throw ExitException.usage("--render-owner goes with --render-postgres NAME.");
    }
    ConnectionTarget target;
    List<String> again = new ArrayList<>();
    boolean fromUrl = false;
    if (renderPostgres != null) {
      if (url != null || positionalUrl != null) {
        throw ExitException.usage(
            "Give the database once: either --render-postgres or a URL (--url or positional),"
                + " not both.");
      }
      RenderDatabase found =
          RenderLookup.fromEnv(io.env(), renderOwner).resolve(renderPostgres, renderInternal);
      io.err().println("Using " + found.describe());
      render = found;
      target = found.target();
      again.add("--render-postgres");
      again.add(renderPostgres);
      if (renderOwner != null) {
        again.add("--render-owner");
        again.add(renderOwner);
      }
      if (renderInternal) {
        again.add("--render-internal");
      }
    } else {
      String text =
          url != null ? url : positionalUrl != null ? positionalUrl : io.env("DATABASE_URL");
      if (text == null) {
        throw ExitException.usage(
            "No database given: pass --url URL, a postgres:// URL as argument, --render-postgres"
                + " NAME, or set DATABASE_URL.");
      }
      target = TargetParser.parse(text);
      fromUrl = url != null || positionalUrl != null;
    }
    if (sslMode != null) {
      target =
          TargetParser.applySslDefault(
              target.withSslMode(sslMode.toLowerCase(java.util.Locale.ROOT)));
    }
    // --connect-timeout, then connect_timeout in the URL, then PGCONNECT_TIMEOUT, then the default
    if (timeout != null) {
      target = target.withConnectTimeout(timeout);
    } else if (target.connectTimeout() == null && io.env("PGCONNECT_TIMEOUT") != null) {
      target =
          target.withConnectTimeout(
              TargetParser.connectTimeout("PGCONNECT_TIMEOUT", io.env("PGCONNECT_TIMEOUT")));
    }
    ConnectionTarget complete = PasswordSource.complete(target, io.env());
    sameTarget = sameTarget(again, fromUrl, target.password() != null, complete);
    return complete;
  }

  private SameTarget sameTarget(
      List<String> again, boolean fromUrl, boolean passwordInUrl, ConnectionTarget t) {
    if (fromUrl) {
      // the URL carries the TLS mode, whether it came from the URL or from --sslmode; a URL that
      // cannot be written again falls back to the one shown in the output
      again.add("--url");
      again.add(TargetUri.withoutPassword(t).orElse(t.display()));
    } else if (sslMode != null) {
      again.add("--sslmode");
      again.add(sslMode);
    }
    return new SameTarget(again, fromUrl && passwordInUrl);
  }
}

package io.proddatareset.connect;

import io.proddatareset.ExitException;
import java.time.Duration;
import java.util.Locale;

/**
 * Parses a target given as a libpq URI ({@code postgres://} or {@code postgresql://}), a JDBC URL
 * ({@code jdbc:postgresql://}) or a libpq key=value string, and applies the TLS default.
 *
 * <p>PgJDBC does not understand libpq URIs, so they are converted here; user and password go into
 * connection properties and never into a printed string.
 *
 * <p>Error messages never quote what was given verbatim: a password with an unencoded {@code /},
 * {@code ?}, {@code #} or {@code @}, or a misspelt {@code passwrd=}, would otherwise end up in a
 * "port is not a number" or "unknown parameter" message. They show the target with everything that
 * might be a secret masked (the user-info up to the last {@code @}, the value of any password-like
 * key, every unknown parameter) and say what is wrong by position.
 */
public final class TargetParser {
  private TargetParser() {}

  /**
   * Parses {@code text}. A missing password is not filled in here; see {@link PasswordSource}.
   *
   * @throws ExitException with status USAGE when the text cannot be parsed; the message holds no
   *     part of the text that might be a secret
   */
  public static ConnectionTarget parse(String text) {
    if (text == null || text.isBlank()) {
      throw ExitException.usage(
          "No database given: pass --url URL, a postgres:// URL as argument, or set DATABASE_URL.");
    }
    String t = text.strip();
    String lower = t.toLowerCase(Locale.ROOT);
    int sep = t.indexOf("://");
    String scheme = sep > 0 ? lower.substring(0, sep) : "";
    ConnectionTarget target;
    if (scheme.equals("postgres") || scheme.equals("postgresql")) {
      target = new UrlTarget(t.substring(0, sep + 3), t.substring(sep + 3), true).parse();
    } else if (scheme.equals("jdbc:postgresql")) {
      target = new UrlTarget(t.substring(0, sep + 3), t.substring(sep + 3), false).parse();
    } else if (scheme.matches("[a-z][a-z0-9+.-]*(:[a-z][a-z0-9+.-]*)?")) {
      throw ExitException.usage(
          "Cannot parse the database URL "
              + scheme
              + "://…: "
              + (scheme.startsWith("jdbc:")
                  ? "only jdbc:postgresql:// URLs are supported."
                  : "the scheme must be postgres://, postgresql:// or jdbc:postgresql://."));
    } else if (t.contains("=")) {
      target = new KeyValueTarget(t).parse();
    } else {
      throw ExitException.usage(
          "Cannot parse the database target (not shown, it may hold a secret): expected a"
              + " postgres:// URL, a jdbc:postgresql:// URL or key=value pairs.");
    }
    return applySslDefault(target);
  }

  /**
   * Reads a libpq {@code connect_timeout} value (also {@code PGCONNECT_TIMEOUT}): whole seconds.
   * Zero or less, which libpq takes for "wait for ever", counts as not set here: waiting for ever
   * on a dead tunnel is what the timeout is for.
   *
   * @param source what the value came from, for the error message
   * @return the timeout, or null for zero or less
   * @throws ExitException with status USAGE when the value is not a whole number
   */
  public static Duration connectTimeout(String source, String text) {
    String s = text == null ? "" : text.strip();
    if (!s.matches("[+-]?\\d{1,18}")) {
      throw ExitException.usage(
          source
              + " must be a whole number of seconds, such as "
              + (source.startsWith("PG") ? source + "=10" : "connect_timeout=10")
              + "; 0 or less counts as not set.");
    }
    long seconds = Long.parseLong(s);
    return seconds <= 0 ? null : Duration.ofSeconds(Math.min(seconds, 2_000_000));
  }

  /** True for localhost and loopback IP literals; never does a DNS lookup. */
  public static boolean isLoopback(String host) {
    return TlsDefault.isLoopback(host);
  }

  /**
   * Applies the TLS policy: {@code require} by default for a host that is not loopback, which the
   * user may tighten but not weaken; loopback hosts default to {@code prefer} and may be weakened.
   *
   * @throws ExitException with status USAGE for an unknown mode, or a weak one for a remote host
   */
  public static ConnectionTarget applySslDefault(ConnectionTarget target) {
    return TlsDefault.apply(target);
  }
}

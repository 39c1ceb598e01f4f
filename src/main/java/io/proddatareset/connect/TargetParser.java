package io.proddatareset.connect;

import io.proddatareset.ExitException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses a target given as a libpq URI ({@code postgres://} or {@code postgresql://}), a JDBC URL
 * ({@code jdbc:postgresql://}) or a libpq key=value string, and applies the TLS default.
 *
 * <p>PgJDBC does not understand libpq URIs, so they are converted here; user and password go into
 * connection properties and never into a printed string.
 */
public final class TargetParser {
  static final Set<String> SSL_MODES =
      Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
  private static final Set<String> WEAK_SSL_MODES = Set.of("disable", "allow", "prefer");

  // URL parameters passed on to PgJDBC as they are (libpq name -> PgJDBC name)
  private static final Map<String, String> PASSTHROUGH =
      Map.ofEntries(
          Map.entry("sslrootcert", "sslrootcert"),
          Map.entry("sslcert", "sslcert"),
          Map.entry("sslkey", "sslkey"),
          Map.entry("application_name", "ApplicationName"),
          Map.entry("applicationname", "ApplicationName"),
          Map.entry("connect_timeout", "connectTimeout"),
          Map.entry("connecttimeout", "connectTimeout"),
          Map.entry("options", "options"),
          Map.entry("target_session_attrs", "targetServerType"),
          Map.entry("channel_binding", "channelBinding"),
          Map.entry("gssencmode", "gssEncMode"),
          Map.entry("sslnegotiation", "sslNegotiation"),
          Map.entry("currentschema", "currentSchema"));

  private TargetParser() {}

  /**
   * Parses {@code text}. A missing password is not filled in here; see {@link PasswordSource}.
   *
   * @throws ExitException with status USAGE when the text cannot be parsed; the message is redacted
   */
  public static ConnectionTarget parse(String text) {
    if (text == null || text.isBlank()) {
      throw ExitException.usage(
          "No database given: pass --url URL, a postgres:// URL as argument, or set DATABASE_URL.");
    }
    String t = text.strip();
    String lower = t.toLowerCase(Locale.ROOT);
    ConnectionTarget target;
    if (lower.startsWith("postgres://") || lower.startsWith("postgresql://")) {
      target = parseUri(t, t.substring(t.indexOf("://") + 3), true);
    } else if (lower.startsWith("jdbc:postgresql://")) {
      target = parseUri(t, t.substring("jdbc:postgresql://".length()), false);
    } else if (lower.startsWith("jdbc:")) {
      throw bad(t, "only jdbc:postgresql:// URLs are supported");
    } else if (t.contains("=")) {
      target = parseKeyValue(t);
    } else if (t.contains("://")) {
      throw bad(t, "the scheme must be postgres://, postgresql:// or jdbc:postgresql://");
    } else {
      throw bad(t, "expected a postgres:// URL, a jdbc:postgresql:// URL or key=value pairs");
    }
    return applySslDefault(target);
  }

  /** True for localhost and loopback IP literals; never does a DNS lookup. */
  public static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      return true;
    }
    if (h.matches("[0-9.]+") || h.contains(":")) {
      try {
        return InetAddress.getByName(h).isLoopbackAddress();
      } catch (Exception e) {
        return false;
      }
    }
    return false;
  }

  /**
   * Applies the TLS policy: {@code require} by default for a host that is not loopback, which the
   * user may tighten but not weaken; loopback hosts default to {@code prefer} and may be weakened.
   */
  public static ConnectionTarget applySslDefault(ConnectionTarget target) {
    boolean loopback = isLoopback(target.host());
    String mode = target.sslMode();
    if (mode == null) {
      return target.withSslMode(loopback ? "prefer" : "require");
    }
    if (!SSL_MODES.contains(mode)) {
      throw ExitException.usage(
          "Unknown sslmode '"
              + mode
              + "': use one of disable, allow, prefer, require, verify-ca, verify-full.");
    }
    if (!loopback && WEAK_SSL_MODES.contains(mode)) {
      throw ExitException.usage(
          "sslmode="
              + mode
              + " is not allowed for "
              + target.host()
              + ": a remote database needs TLS (require, verify-ca or verify-full).");
    }
    return target;
  }

  private static ConnectionTarget parseUri(String original, String rest, boolean libpq) {
    String query = null;
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      rest = rest.substring(0, hash);
    }
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    String path = "";
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      path = rest.substring(slash + 1);
      rest = rest.substring(0, slash);
    }
    String user = null;
    String password = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      if (!libpq) {
        throw bad(original, "a JDBC URL takes user and password as ?user=&password= parameters");
      }
      String userInfo = rest.substring(0, at);
      rest = rest.substring(at + 1);
      int colon = userInfo.indexOf(':');
      if (colon >= 0) {
        user = decode(original, userInfo.substring(0, colon));
        password = decode(original, userInfo.substring(colon + 1));
      } else {
        user = decode(original, userInfo);
      }
    }
    if (rest.contains(",")) {
      throw bad(original, "several hosts in one URL are not supported; name the primary");
    }
    String host;
    Integer port = null;
    if (rest.startsWith("[")) {
      int close = rest.indexOf(']');
      if (close < 0) {
        throw bad(original, "unclosed [ in an IPv6 host");
      }
      host = rest.substring(1, close);
      String after = rest.substring(close + 1);
      if (after.startsWith(":")) {
        port = parsePort(original, after.substring(1));
      } else if (!after.isEmpty()) {
        throw bad(original, "unexpected text after the IPv6 host");
      }
    } else {
      int colon = rest.lastIndexOf(':');
      if (colon >= 0) {
        host = rest.substring(0, colon);
        port = parsePort(original, rest.substring(colon + 1));
      } else {
        host = rest;
      }
      host = decode(original, host);
    }
    String database = path.isEmpty() ? null : decode(original, path);
    Map<String, String> params = new LinkedHashMap<>();
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw bad(original, "a URL parameter needs the form name=value");
        }
        params.put(
            decode(original, pair.substring(0, eq)).toLowerCase(Locale.ROOT),
            decode(original, pair.substring(eq + 1)));
      }
    }
    return build(original, host, port, database, user, password, params);
  }

  private static ConnectionTarget parseKeyValue(String original) {
    Map<String, String> params = new LinkedHashMap<>();
    int i = 0;
    int n = original.length();
    while (i < n) {
      while (i < n && Character.isWhitespace(original.charAt(i))) {
        i++;
      }
      if (i >= n) {
        break;
      }
      int keyStart = i;
      while (i < n && original.charAt(i) != '=' && !Character.isWhitespace(original.charAt(i))) {
        i++;
      }
      String key = original.substring(keyStart, i).toLowerCase(Locale.ROOT);
      while (i < n && Character.isWhitespace(original.charAt(i))) {
        i++;
      }
      if (i >= n || original.charAt(i) != '=' || key.isEmpty()) {
        throw bad(original, "expected key=value pairs");
      }
      i++;
      while (i < n && Character.isWhitespace(original.charAt(i))) {
        i++;
      }
      StringBuilder value = new StringBuilder();
      if (i < n && original.charAt(i) == '\'') {
        i++;
        boolean closed = false;
        while (i < n) {
          char c = original.charAt(i++);
          if (c == '\\' && i < n) {
            value.append(original.charAt(i++));
          } else if (c == '\'') {
            closed = true;
            break;
          } else {
            value.append(c);
          }
        }
        if (!closed) {
          throw bad(original, "unterminated quoted value");
        }
      } else {
        while (i < n && !Character.isWhitespace(original.charAt(i))) {
          char c = original.charAt(i++);
          if (c == '\\' && i < n) {
            value.append(original.charAt(i++));
          } else {
            value.append(c);
          }
        }
      }
      params.put(key, value.toString());
    }
    String host = params.remove("host");
    if (host == null) {
      host = params.remove("hostaddr");
    }
    String portText = params.remove("port");
    Integer port = portText == null ? null : parsePort(original, portText);
    return build(
        original,
        host,
        port,
        params.remove("dbname"),
        params.remove("user"),
        params.remove("password"),
        params);
  }

  private static ConnectionTarget build(
      String original,
      String host,
      Integer port,
      String database,
      String user,
      String password,
      Map<String, String> params) {
    // query parameters may carry what the authority did not
    if (params.containsKey("host")) {
      host = params.remove("host");
    }
    if (params.containsKey("port")) {
      port = parsePort(original, params.remove("port"));
    }
    if (params.containsKey("dbname")) {
      database = params.remove("dbname");
    }
    if (params.containsKey("user")) {
      user = params.remove("user");
    }
    if (params.containsKey("password")) {
      password = params.remove("password");
    }
    if (host == null || host.isEmpty()) {
      host = "localhost";
    }
    if (host.startsWith("/")) {
      throw bad(
          original, "Unix-domain sockets are not supported; connect over TCP (host=localhost)");
    }
    if (host.contains(",")) {
      throw bad(original, "several hosts are not supported; name the primary");
    }
    String sslMode = params.remove("sslmode");
    if (sslMode != null) {
      sslMode = sslMode.toLowerCase(Locale.ROOT);
      if (!SSL_MODES.contains(sslMode)) {
        throw ExitException.usage(
            "Unknown sslmode '"
                + sslMode
                + "': use one of disable, allow, prefer, require, verify-ca, verify-full.");
      }
    }
    Map<String, String> extra = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : params.entrySet()) {
      String mapped = PASSTHROUGH.get(e.getKey());
      if (mapped == null) {
        if (PASSTHROUGH.containsValue(e.getKey())) {
          mapped = e.getKey();
        } else {
          throw bad(original, "unsupported connection parameter '" + e.getKey() + "'");
        }
      }
      extra.put(mapped, e.getValue());
    }
    if (database == null || database.isEmpty()) {
      database = user != null && !user.isEmpty() ? user : System.getProperty("user.name");
    }
    if (user != null && user.isEmpty()) {
      user = null;
    }
    if (password != null && password.isEmpty()) {
      password = null;
    }
    return new ConnectionTarget(
        host, port == null ? 5432 : port, database, user, password, sslMode, extra);
  }

  private static int parsePort(String original, String text) {
    try {
      int port = Integer.parseInt(text);
      if (port < 1 || port > 65535) {
        throw bad(original, "port " + text + " is out of range");
      }
      return port;
    } catch (NumberFormatException e) {
      throw bad(original, "port '" + Redaction.redact(text) + "' is not a number");
    }
  }

  private static String decode(String original, String s) {
    try {
      // URLDecoder turns '+' into a space, which URIs do not: protect it first
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw bad(original, "bad percent-encoding");
    }
  }

  private static ExitException bad(String original, String why) {
    return ExitException.usage(
        "Cannot parse the database URL " + Redaction.redact(original) + ": " + why + ".");
  }
}

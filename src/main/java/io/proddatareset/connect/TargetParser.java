package io.proddatareset.connect;

import io.proddatareset.ExitException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

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
          Map.entry("options", "options"),
          Map.entry("target_session_attrs", "targetServerType"),
          Map.entry("targetservertype", "targetServerType"),
          Map.entry("channel_binding", "channelBinding"),
          Map.entry("channelbinding", "channelBinding"),
          Map.entry("gssencmode", "gssEncMode"),
          Map.entry("sslnegotiation", "sslNegotiation"),
          Map.entry("currentschema", "currentSchema"));

  // parameters taken here rather than passed on
  private static final Set<String> OWN =
      Set.of(
          "host",
          "hostaddr",
          "port",
          "dbname",
          "user",
          "password",
          "sslmode",
          "connect_timeout",
          "connecttimeout");

  // libpq and PgJDBC parameters that are not taken: named in the error (a keyword is no secret)
  private static final Set<String> NOT_SUPPORTED =
      Set.of(
          "service",
          "passfile",
          "require_auth",
          "sslpassword",
          "sslcompression",
          "sslcrl",
          "sslcrldir",
          "sslsni",
          "sslcertmode",
          "ssl_min_protocol_version",
          "ssl_max_protocol_version",
          "requirepeer",
          "krbsrvname",
          "gsslib",
          "gssdelegation",
          "keepalives",
          "keepalives_idle",
          "keepalives_interval",
          "keepalives_count",
          "tcp_user_timeout",
          "replication",
          "load_balance_hosts",
          "fallback_application_name",
          "client_encoding",
          "ssl",
          "sslfactory",
          "sslfactoryarg",
          "sslhostnameverifier",
          "sslpasswordcallback",
          "sockettimeout",
          "logintimeout",
          "cancelsignaltimeout",
          "tcpkeepalive",
          "preparethreshold",
          "loggerlevel",
          "loggerfile",
          "rewritebatchedinserts",
          "socketfactory",
          "socketfactoryarg",
          "readonly",
          "autosave");

  private static final String ENCODING_HELP =
      "percent-encode these characters in a user name or password: # as %23, ? as %3F, / as %2F,"
          + " @ as %40, : as %3A, & as %26, a space as %20 and % itself as %25; or leave the"
          + " password out of the URL and set PGPASSWORD or put it in ~/.pgpass";

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
      target = new Uri(t.substring(0, sep + 3), t.substring(sep + 3), true).parse();
    } else if (scheme.equals("jdbc:postgresql")) {
      target = new Uri(t.substring(0, sep + 3), t.substring(sep + 3), false).parse();
    } else if (scheme.matches("[a-z][a-z0-9+.-]*(:[a-z][a-z0-9+.-]*)?")) {
      throw ExitException.usage(
          "Cannot parse the database URL "
              + scheme
              + "://…: "
              + (scheme.startsWith("jdbc:")
                  ? "only jdbc:postgresql:// URLs are supported."
                  : "the scheme must be postgres://, postgresql:// or jdbc:postgresql://."));
    } else if (t.contains("=")) {
      target = new KeyValue(t).parse();
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
      throw unknownSslMode(mode);
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

  private static boolean isSecretKey(String key) {
    return Redaction.isSecretKey(key);
  }

  private static boolean isKnownKey(String key) {
    return OWN.contains(key) || PASSTHROUGH.containsKey(key);
  }

  /** A parameter that is named in errors but whose value is never shown: password, sslpassword. */
  private static boolean isNamedSecretKey(String key) {
    return isSecretKey(key) && (isKnownKey(key) || NOT_SUPPORTED.contains(key));
  }

  /** A parameter whose name and value may be shown in an error. */
  private static boolean isShownKey(String key) {
    return !isSecretKey(key) && (isKnownKey(key) || NOT_SUPPORTED.contains(key));
  }

  /** Fails for a key that is not taken; names it only when it is a known keyword. */
  private static void checkKey(String key, String position, String shown, String kind) {
    if (isKnownKey(key)) {
      return;
    }
    if (NOT_SUPPORTED.contains(key)) {
      throw ExitException.usage(
          "Cannot use the "
              + kind
              + " "
              + shown
              + ": the connection parameter '"
              + key
              + "' is not supported; supported are "
              + supportedKeys()
              + ".");
    }
    String suggestion = suggestion(key);
    throw ExitException.usage(
        "Cannot parse the "
            + kind
            + " "
            + shown
            + ": "
            + position
            + " is not a connection parameter prod-data-reset knows"
            + (suggestion == null ? "" : " (did you mean " + suggestion + "?)")
            + "; its name and value are not shown, as they may hold a secret. Supported are "
            + supportedKeys()
            + ".");
  }

  private static String supportedKeys() {
    Set<String> keys = new TreeSet<>(OWN);
    keys.remove("connecttimeout");
    keys.addAll(List.of("sslrootcert", "sslcert", "sslkey", "application_name", "options"));
    keys.addAll(List.of("target_session_attrs", "channel_binding", "gssencmode"));
    keys.addAll(List.of("sslnegotiation", "currentschema"));
    return String.join(", ", keys);
  }

  private static String suggestion(String key) {
    if (isSecretKey(key)) {
      return "password";
    }
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String known : new TreeSet<>(OWN)) {
      int d = distance(key, known);
      if (d < bestDistance) {
        best = known;
        bestDistance = d;
      }
    }
    for (String known : new TreeSet<>(PASSTHROUGH.keySet())) {
      int d = distance(key, known);
      if (d < bestDistance) {
        best = known;
        bestDistance = d;
      }
    }
    return bestDistance <= Math.max(1, Math.min(2, key.length() / 3)) ? best : null;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] swap = prev;
      prev = cur;
      cur = swap;
    }
    return prev[b.length()];
  }

  private static ExitException unknownSslMode(String mode) {
    String shown = mode.matches("[a-z-]{1,12}") ? " '" + mode + "'" : " (not shown)";
    return ExitException.usage(
        "Unknown sslmode"
            + shown
            + ": use one of disable, allow, prefer, require, verify-ca, verify-full.");
  }

  private static String ordinal(int n) {
    int mod100 = n % 100;
    String suffix =
        mod100 >= 11 && mod100 <= 13
            ? "th"
            : switch (n % 10) {
              case 1 -> "st";
              case 2 -> "nd";
              case 3 -> "rd";
              default -> "th";
            };
    return n + suffix;
  }

  /** A libpq URI or JDBC URL: the text after {@code scheme://}. */
  private static final class Uri {
    private final String scheme;
    private final String rest;
    private final boolean libpq;
    private final int lastAt;
    private final int firstDelimiter;
    private String shown;

    Uri(String scheme, String rest, boolean libpq) {
      this.scheme = scheme;
      this.rest = rest;
      this.libpq = libpq;
      this.lastAt = rest.lastIndexOf('@');
      this.firstDelimiter = firstOf(rest, 0, "/?");
    }

    ConnectionTarget parse() {
      // an '@' after the first '/' or '?' is either in the database name or a parameter, or it
      // ends a user-info that holds an unencoded '/' or '?': the standard reading cuts the
      // password and would show part of it as host, port or database
      boolean ambiguous = libpq && lastAt >= 0 && firstDelimiter >= 0 && lastAt > firstDelimiter;
      if (rest.indexOf('#') >= 0) {
        throw bad(
            "it holds a '#', which a URL cannot carry unencoded (it would start a fragment, and"
                + " libpq and PgJDBC read it differently); "
                + ENCODING_HELP);
      }
      ConnectionTarget target;
      try {
        target = parseStandard();
      } catch (ExitException e) {
        if (ambiguous) {
          throw ambiguous();
        }
        throw e;
      }
      int query = rest.indexOf('?');
      if (ambiguous && (query < 0 || lastAt < query)) {
        // an '@' in the database name: far more likely the end of a password with a '/' in it
        throw ambiguous();
      }
      return target;
    }

    private ExitException ambiguous() {
      return bad(
          "it holds an '@' after a '/' or '?', so a user name or password probably holds a"
              + " character that must be encoded; "
              + ENCODING_HELP
              + " (an '@' in a database name or parameter is written %40 too)");
    }

    private ConnectionTarget parseStandard() {
      String authority = firstDelimiter < 0 ? rest : rest.substring(0, firstDelimiter);
      String path = "";
      String query = null;
      if (firstDelimiter >= 0) {
        String after = rest.substring(firstDelimiter);
        int q = after.indexOf('?');
        if (q >= 0) {
          query = after.substring(q + 1);
          after = after.substring(0, q);
        }
        path = after.startsWith("/") ? after.substring(1) : after;
      }
      String user = null;
      String password = null;
      int at = authority.lastIndexOf('@');
      if (at >= 0) {
        if (!libpq) {
          throw bad(
              "a JDBC URL takes the user name and password as the URL parameters user and"
                  + " password, not before the host");
        }
        String userInfo = authority.substring(0, at);
        authority = authority.substring(at + 1);
        int colon = userInfo.indexOf(':');
        if (colon >= 0) {
          user = decode(userInfo.substring(0, colon), "the user name");
          password = decode(userInfo.substring(colon + 1), "the password");
        } else {
          user = decode(userInfo, "the user name");
        }
      }
      if (authority.contains(",")) {
        throw bad("several hosts in one URL are not supported; name the primary");
      }
      String host;
      Integer port = null;
      if (authority.startsWith("[")) {
        int close = authority.indexOf(']');
        if (close < 0) {
          throw bad("unclosed [ in an IPv6 host");
        }
        host = authority.substring(1, close);
        String after = authority.substring(close + 1);
        if (after.startsWith(":")) {
          port = parsePort(after.substring(1));
        } else if (!after.isEmpty()) {
          throw bad("unexpected text after the IPv6 host");
        }
      } else {
        int colon = authority.lastIndexOf(':');
        if (colon >= 0) {
          host = authority.substring(0, colon);
          port = parsePort(authority.substring(colon + 1));
        } else {
          host = authority;
        }
        host = decode(host, "the host");
      }
      String database = path.isEmpty() ? null : decode(path, "the database name");
      Map<String, String> params = new LinkedHashMap<>();
      if (query != null && !query.isEmpty()) {
        int n = 0;
        for (String pair : query.split("&", -1)) {
          n++;
          if (pair.isEmpty()) {
            continue;
          }
          int eq = pair.indexOf('=');
          if (eq <= 0) {
            throw bad(
                "the "
                    + ordinal(n)
                    + " URL parameter is not name=value; if it is the rest of a password or"
                    + " value, "
                    + ENCODING_HELP);
          }
          String key = decode(pair.substring(0, eq), "a parameter name").toLowerCase(Locale.ROOT);
          checkKey(key, "the " + ordinal(n) + " URL parameter", shown(), "database URL");
          params.put(key, decode(pair.substring(eq + 1), "a parameter value"));
        }
      }
      return build(host, port, database, user, password, params, this::bad);
    }

    private int parsePort(String text) {
      return TargetParser.parsePort(text, this::bad);
    }

    private String decode(String s, String what) {
      try {
        // URLDecoder turns '+' into a space, which URIs do not: protect it first
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw bad(what + " has a '%' that starts no valid %XX code; " + ENCODING_HELP);
      }
    }

    private ExitException bad(String why) {
      return ExitException.usage("Cannot parse the database URL " + shown() + ": " + why + ".");
    }

    /** The URL with everything that might be a secret masked, under either reading of it. */
    String shown() {
      if (shown == null) {
        int n = rest.length();
        boolean[] hide = new boolean[n];
        hideStandard(hide, 0, n, true);
        if (libpq && lastAt >= 0 && firstDelimiter >= 0 && lastAt > firstDelimiter) {
          // the other reading: the user-info ends at the last '@'
          hideUserInfo(hide, 0, lastAt);
          hideStandard(hide, lastAt + 1, n, false);
        }
        StringBuilder sb = new StringBuilder(scheme);
        for (int i = 0; i < n; i++) {
          if (!hide[i]) {
            sb.append(rest.charAt(i));
          } else if (i == 0 || !hide[i - 1]) {
            sb.append("***");
          }
        }
        shown = sb.toString();
      }
      return shown;
    }

    /** Masks, in rest[from, to), the password of the user-info and the secret parameters. */
    private void hideStandard(boolean[] hide, int from, int to, boolean withUserInfo) {
      int delimiter = firstOf(rest, from, "/?");
      if (delimiter < 0 || delimiter > to) {
        delimiter = to;
      }
      int hostStart = from;
      if (withUserInfo) {
        int at = rest.lastIndexOf('@', delimiter - 1);
        if (at >= from) {
          hideUserInfo(hide, from, at);
          hostStart = at + 1;
        }
      }
      // what follows host: and is no port may be a password whose '@' and host are missing
      int colon = rest.lastIndexOf(':', delimiter - 1);
      if (colon >= hostStart
          && rest.lastIndexOf(']', delimiter - 1) < colon
          && !rest.substring(colon + 1, delimiter).matches("\\d{0,5}")) {
        fill(hide, colon + 1, delimiter);
      }
      int query = rest.indexOf('?', delimiter);
      if (query < 0 || query >= to) {
        return;
      }
      int start = query + 1;
      while (start <= to) {
        int end = rest.indexOf('&', start);
        if (end < 0 || end > to) {
          end = to;
        }
        int eq = rest.indexOf('=', start);
        if (eq < 0 || eq >= end) {
          fill(hide, start, end);
        } else {
          String key = rest.substring(start, eq).toLowerCase(Locale.ROOT);
          if (isNamedSecretKey(key)) {
            fill(hide, eq + 1, end);
          } else if (!isShownKey(key)) {
            fill(hide, start, end);
          }
        }
        start = end + 1;
      }
    }

    /** Masks the user-info rest[from, at): all of it but a plain user name before a ':'. */
    private void hideUserInfo(boolean[] hide, int from, int at) {
      int colon = rest.indexOf(':', from);
      int delimiter = firstOf(rest, from, "/?#@");
      if (colon >= 0 && colon < at && (delimiter < 0 || colon < delimiter)) {
        fill(hide, colon + 1, at);
      } else if (colon >= 0 && colon < at || delimiter >= 0 && delimiter < at) {
        fill(hide, from, at);
      }
    }
  }

  /** A libpq key=value string. */
  private static final class KeyValue {
    private final String text;
    private final List<Item> items = new ArrayList<>();
    private String shown;

    /** One key=value pair, a word without '=' (key null), or an unterminated quoted value. */
    private record Item(String key, String value, boolean quoted, boolean unterminated) {}

    KeyValue(String text) {
      this.text = text;
      tokenize();
    }

    private void tokenize() {
      int i = 0;
      int n = text.length();
      while (i < n) {
        while (i < n && Character.isWhitespace(text.charAt(i))) {
          i++;
        }
        if (i >= n) {
          break;
        }
        int keyStart = i;
        while (i < n && text.charAt(i) != '=' && !Character.isWhitespace(text.charAt(i))) {
          i++;
        }
        String key = text.substring(keyStart, i).toLowerCase(Locale.ROOT);
        int afterKey = i;
        while (i < n && Character.isWhitespace(text.charAt(i))) {
          i++;
        }
        if (i >= n || text.charAt(i) != '=' || key.isEmpty()) {
          // a word on its own: the rest of an unquoted value with a space, or garbage
          if (key.isEmpty()) {
            // a stray '=': skip it and what follows up to the next space
            i++;
            while (i < n && !Character.isWhitespace(text.charAt(i))) {
              i++;
            }
          } else {
            i = afterKey;
          }
          items.add(new Item(null, null, false, false));
          continue;
        }
        i++;
        while (i < n && Character.isWhitespace(text.charAt(i))) {
          i++;
        }
        StringBuilder value = new StringBuilder();
        if (i < n && text.charAt(i) == '\'') {
          i++;
          boolean closed = false;
          while (i < n) {
            char c = text.charAt(i++);
            if (c == '\\' && i < n) {
              value.append(text.charAt(i++));
            } else if (c == '\'') {
              closed = true;
              break;
            } else {
              value.append(c);
            }
          }
          items.add(new Item(key, value.toString(), true, !closed));
        } else {
          while (i < n && !Character.isWhitespace(text.charAt(i))) {
            char c = text.charAt(i++);
            if (c == '\\' && i < n) {
              value.append(text.charAt(i++));
            } else {
              value.append(c);
            }
          }
          items.add(new Item(key, value.toString(), false, false));
        }
      }
    }

    ConnectionTarget parse() {
      Map<String, String> params = new LinkedHashMap<>();
      int n = 0;
      for (Item item : items) {
        n++;
        if (item.key() == null) {
          throw bad(
              "the "
                  + ordinal(n)
                  + " item is not key=value; a value with a space goes in single quotes"
                  + " (key='a b c'), with \\' for a quote and \\\\ for a backslash inside; or"
                  + " leave the password out and set PGPASSWORD or use ~/.pgpass");
        }
        if (item.unterminated()) {
          throw bad(
              "the quoted value of the "
                  + ordinal(n)
                  + " item has no closing quote; a quote inside a value is written \\'");
        }
        checkKey(item.key(), "the " + ordinal(n) + " item", shown(), "connection string");
        params.put(item.key(), item.value());
      }
      String host = params.remove("host");
      String hostaddr = params.remove("hostaddr");
      if (host == null) {
        host = hostaddr;
      }
      String portText = params.remove("port");
      Integer port = portText == null ? null : parsePort(portText, this::bad);
      return build(
          host,
          port,
          params.remove("dbname"),
          params.remove("user"),
          params.remove("password"),
          params,
          this::bad);
    }

    private ExitException bad(String why) {
      return ExitException.usage(
          "Cannot parse the connection string " + shown() + ": " + why + ".");
    }

    /** The string rebuilt with secret values and unknown or broken items masked. */
    String shown() {
      if (shown == null) {
        List<String> parts = new ArrayList<>();
        for (Item item : items) {
          String part;
          if (item.key() == null || item.unterminated()) {
            part = "***";
          } else if (isNamedSecretKey(item.key())) {
            part = item.key() + "=***";
          } else if (!isShownKey(item.key())) {
            part = "***";
          } else {
            part = item.key() + "=" + quote(item.value());
          }
          if (!(part.equals("***")
              && !parts.isEmpty()
              && parts.get(parts.size() - 1).equals(part))) {
            parts.add(part);
          }
        }
        shown = String.join(" ", parts);
      }
      return shown;
    }

    private static String quote(String value) {
      if (!value.isEmpty() && value.chars().noneMatch(c -> c == '\'' || c == '\\' || c <= ' ')) {
        return value;
      }
      return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
  }

  private interface Bad {
    ExitException because(String why);
  }

  private static ConnectionTarget build(
      String host,
      Integer port,
      String database,
      String user,
      String password,
      Map<String, String> params,
      Bad bad) {
    // query parameters may carry what the authority did not
    if (params.containsKey("host")) {
      host = params.remove("host");
    }
    if (params.containsKey("hostaddr")) {
      String hostaddr = params.remove("hostaddr");
      if (host == null || host.isEmpty()) {
        host = hostaddr;
      }
    }
    if (params.containsKey("port")) {
      port = parsePort(params.remove("port"), bad);
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
    Duration connectTimeout = null;
    for (String key : List.of("connect_timeout", "connecttimeout")) {
      String value = params.remove(key);
      if (value != null) {
        connectTimeout = connectTimeout("connect_timeout", value);
      }
    }
    if (host == null || host.isEmpty()) {
      host = "localhost";
    }
    if (host.startsWith("/")) {
      throw bad.because("Unix-domain sockets are not supported; connect over TCP (host=localhost)");
    }
    if (host.contains(",")) {
      throw bad.because("several hosts are not supported; name the primary");
    }
    String sslMode = params.remove("sslmode");
    if (sslMode != null) {
      sslMode = sslMode.toLowerCase(Locale.ROOT);
      if (!SSL_MODES.contains(sslMode)) {
        throw unknownSslMode(sslMode);
      }
    }
    Map<String, String> extra = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : params.entrySet()) {
      extra.put(PASSTHROUGH.get(e.getKey()), e.getValue());
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
        host, port == null ? 5432 : port, database, user, password, sslMode, extra, connectTimeout);
  }

  // the text is never shown: after a cut in the wrong place it is part of a password
  private static int parsePort(String text, Bad bad) {
    if (!text.matches("\\d{1,5}")) {
      throw bad.because(
          "the port is not a number; if the text after ':' is a password, it needs an '@' and"
              + " a host after it, and "
              + ENCODING_HELP);
    }
    int port = Integer.parseInt(text);
    if (port < 1 || port > 65535) {
      throw bad.because("the port is not between 1 and 65535");
    }
    return port;
  }

  private static int firstOf(String s, int from, String chars) {
    for (int i = Math.max(0, from); i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  private static void fill(boolean[] hide, int from, int to) {
    for (int i = Math.max(0, from); i < Math.min(hide.length, to); i++) {
      hide[i] = true;
    }
  }
}

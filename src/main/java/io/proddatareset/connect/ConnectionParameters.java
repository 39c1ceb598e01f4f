package io.proddatareset.connect;

import io.proddatareset.connect.TargetMessages.Bad;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The connection parameters a target may carry, by their libpq names: those taken here, those
 * passed on to PgJDBC under PgJDBC's name, and those named as not supported; and the one mapping of
 * the parsed parameters to a {@link ConnectionTarget}, shared by URLs and key=value strings.
 */
final class ConnectionParameters {
  // passed on to PgJDBC as they are: libpq's name, PgJDBC's name, then other spellings taken
  private static final String[][] PASSED_ON = {
    {"sslrootcert", "sslrootcert"},
    {"sslcert", "sslcert"},
    {"sslkey", "sslkey"},
    {"application_name", "ApplicationName", "applicationname"},
    {"options", "options"},
    {"target_session_attrs", "targetServerType", "targetservertype"},
    {"channel_binding", "channelBinding", "channelbinding"},
    {"gssencmode", "gssEncMode"},
    {"sslnegotiation", "sslNegotiation"},
    {"currentschema", "currentSchema"},
  };

  /** Every spelling of a passed-on parameter -> PgJDBC's name. */
  static final Map<String, String> PASSTHROUGH;

  /** PgJDBC's name -> libpq's name, for the passed-on parameters. */
  private static final Map<String, String> LIBPQ_NAMES;

  static {
    Map<String, String> passthrough = new HashMap<>();
    Map<String, String> libpq = new HashMap<>();
    for (String[] p : PASSED_ON) {
      passthrough.put(p[0], p[1]);
      for (int i = 2; i < p.length; i++) {
        passthrough.put(p[i], p[1]);
      }
      libpq.put(p[1], p[0]);
    }
    PASSTHROUGH = Map.copyOf(passthrough);
    LIBPQ_NAMES = Map.copyOf(libpq);
  }

  /** Parameters taken here rather than passed on. */
  static final Set<String> OWN =
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

  /**
   * libpq and PgJDBC parameters that are not taken: named in the error (a keyword is no secret).
   */
  static final Set<String> NOT_SUPPORTED =
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

  private ConnectionParameters() {}

  /** libpq's names of the parameters passed on, without the other spellings. */
  static List<String> passedOnNames() {
    return Arrays.stream(PASSED_ON).map(p -> p[0]).toList();
  }

  /** The libpq parameter a PgJDBC property is read from; the property itself if no other. */
  static String libpqName(String pgjdbcProperty) {
    return LIBPQ_NAMES.getOrDefault(pgjdbcProperty, pgjdbcProperty);
  }

  static boolean isKnownKey(String key) {
    return OWN.contains(key) || PASSTHROUGH.containsKey(key);
  }

  /** A parameter that is named in errors but whose value is never shown: password, sslpassword. */
  static boolean isNamedSecretKey(String key) {
    return Redaction.isSecretKey(key) && (isKnownKey(key) || NOT_SUPPORTED.contains(key));
  }

  /** A parameter whose name and value may be shown in an error. */
  static boolean isShownKey(String key) {
    return !Redaction.isSecretKey(key) && (isKnownKey(key) || NOT_SUPPORTED.contains(key));
  }

  /**
   * The target: what the authority (or the key=value items) gave, overridden by the parameters that
   * carry the same, the rest passed on under PgJDBC's names. No TLS default yet.
   */
  static ConnectionTarget target(
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
        connectTimeout = TargetParser.connectTimeout("connect_timeout", value);
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
      sslMode = TlsDefault.checkedMode(sslMode);
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
  static int parsePort(String text, Bad bad) {
    if (!text.matches("\\d{1,5}")) {
      throw bad.because(
          "the port is not a number; if the text after ':' is a password, it needs an '@' and"
              + " a host after it, and "
              + TargetMessages.ENCODING_HELP);
    }
    int port = Integer.parseInt(text);
    if (port < 1 || port > 65535) {
      throw bad.because("the port is not between 1 and 65535");
    }
    return port;
  }
}

package io.proddatareset.connect;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.pg.SqlState;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import javax.net.ssl.SSLException;

/**
 * Opens PgJDBC connections to a {@link ConnectionTarget}. The JDBC URL it builds holds host, port
 * and database only; user and password travel as connection properties.
 */
public final class Connector {
  private final ConnectionTarget target;

  public Connector(ConnectionTarget target) {
    this.target = target;
  }

  public ConnectionTarget target() {
    return target;
  }

  /** The oldest PostgreSQL major version the tool works with. */
  public static final int OLDEST_SERVER = 13;

  /** How long to wait for the connection and the start-up exchange when nothing else says. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  // PgJDBC multiplies whole seconds into an int of milliseconds
  private static final long MAX_TIMEOUT_SECONDS = Integer.MAX_VALUE / 1000;

  /**
   * Opens a new connection in auto-commit mode; failures become one-line {@link ExitException}s.
   * The TCP connection and the whole start-up exchange (TLS request, authentication, the driver's
   * first query) are bounded by the target's connect timeout, so a server or tunnel that accepts
   * the connection and never answers fails instead of hanging; after that the connection has no
   * read timeout, since a backup or a lock wait may take minutes. A server older than {@link
   * #OLDEST_SERVER} is refused before anything is read or changed: the catalog queries that tell
   * user triggers from the clones a partitioned table gives its partitions need PostgreSQL 13 (12
   * reached its end of life in November 2024).
   */
  public Connection open() {
    Connection c;
    long started = System.nanoTime();
    try {
      c = DriverManager.getConnection(jdbcUrl(), properties());
    } catch (SQLException e) {
      throw describe(e, Duration.ofNanos(System.nanoTime() - started));
    }
    try {
      // the login's first query (PgJDBC's SET application_name, which a pooler without a server
      // never answers) ran under loginTimeout; from here on nothing may cut a long COPY
      c.setNetworkTimeout(Runnable::run, 0);
      java.sql.DatabaseMetaData meta = c.getMetaData();
      if (meta.getDatabaseMajorVersion() < OLDEST_SERVER) {
        String version = meta.getDatabaseProductVersion();
        c.close();
        throw new ExitException(
            ExitStatus.FAILURE,
            target.display()
                + " runs PostgreSQL "
                + version
                + ": prod-data-reset needs PostgreSQL "
                + OLDEST_SERVER
                + " or newer. Nothing was read or changed.");
      }
      return c;
    } catch (SQLException e) {
      closeQuietly(c);
      throw describe(e);
    }
  }

  /**
   * The pid of the server process that runs {@code c}'s work, for {@code pg_blocking_pids} and
   * {@code pg_locks}: asked with {@code SELECT pg_backend_pid()}, never taken from the start-up
   * ({@code PGConnection.getBackendPID()}), which through PgBouncer is the pooler's made-up cancel
   * key, no server's pid. In auto-commit mode the answer holds for the session when the connection
   * is direct or through a session-mode pooler, but through a transaction-mode pooler only for that
   * one statement: there, ask inside the transaction whose pid is wanted (auto-commit off; the
   * pooler keeps a transaction on one server connection). Inside a {@code REPEATABLE READ}
   * transaction this is a query, so it takes the transaction's snapshot.
   *
   * @throws SQLException when the statement fails
   */
  public static int serverPid(Connection c) throws SQLException {
    try (java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // the connection is already unusable; the first failure is the one to report
    }
  }

  String jdbcUrl() {
    String host = target.host().contains(":") ? "[" + target.host() + "]" : target.host();
    return "jdbc:postgresql://" + host + ":" + target.port() + "/" + encodePath(target.database());
  }

  Properties properties() {
    Properties p = new Properties();
    if (target.user() != null) {
      p.setProperty("user", target.user());
    }
    if (target.password() != null) {
      p.setProperty("password", target.password());
    }
    p.setProperty("sslmode", target.sslMode() == null ? "prefer" : target.sslMode());
    p.setProperty("ApplicationName", "prod-data-reset");
    // connectTimeout bounds only the TCP connect, and PgJDBC then waits for the server's first
    // answer without limit (a dead port-forward accepts and never answers): loginTimeout bounds
    // the whole start-up, socketTimeout each read of it, so that the driver's connection thread
    // that loginTimeout leaves behind also ends. open() clears the socket timeout afterwards.
    Duration timeout = target.effectiveConnectTimeout();
    long wholeSeconds =
        Math.min(MAX_TIMEOUT_SECONDS, Math.max(1, (timeout.toMillis() + 999) / 1000));
    p.setProperty("connectTimeout", Long.toString(wholeSeconds));
    p.setProperty("socketTimeout", Long.toString(wholeSeconds));
    p.setProperty(
        "loginTimeout",
        java.math.BigDecimal.valueOf(Math.min(timeout.toMillis(), wholeSeconds * 1000), 3)
            .toPlainString());
    p.setProperty("tcpKeepAlive", "true");
    // the tool never relies on the server-side prepared statement cache; and named prepared
    // statements do not survive a transaction-mode pooler (PgBouncer before 1.21: "prepared
    // statement S_1 already exists" or "does not exist"), so none are made (cli/PoolerTest)
    p.setProperty("prepareThreshold", "0");
    p.setProperty("socketFactory", ReadAheadSocketFactory.class.getName());
    target.extra().forEach(p::setProperty);
    return p;
  }

  private static String encodePath(String database) {
    return java.net.URLEncoder.encode(database, java.nio.charset.StandardCharsets.UTF_8)
        .replace("+", "%20");
  }

  /** Turns a connection failure into one line that says what happened and what to check. */
  public ExitException describe(SQLException e) {
    return describe(e, Duration.ZERO);
  }

  private ExitException describe(SQLException e, Duration waited) {
    String where = target.display();
    String msg;
    Throwable root = rootCause(e);
    Duration timeout = target.effectiveConnectTimeout();
    if (root instanceof SocketTimeoutException
        || SqlState.isConnectionLost(e) && waited.compareTo(timeout) >= 0) {
      msg =
          message(
              "No answer from %s within %s: the connection was not refused, but the server did not"
                  + " complete the start-up in time. Is the server, or the ssh tunnel or kubectl"
                  + " port-forward to it, up, and the host reachable from here? Through a"
                  + " connection pooler (PgBouncer), does its pool have a free server connection"
                  + " (default_pool_size)? --connect-timeout (or connect_timeout in the URL, or"
                  + " PGCONNECT_TIMEOUT) sets how long to wait.",
              where, format(timeout));
    } else if (SqlState.is(e, SqlState.INVALID_PASSWORD)) {
      msg =
          message(
              "Password authentication failed for user '%s' at %s: check the password in the URL,"
                  + " PGPASSWORD or ~/.pgpass.",
              target.user(), where);
    } else if (SqlState.is(e, SqlState.INVALID_AUTHORIZATION_SPECIFICATION)) {
      msg =
          message(
              "The server rejected user '%s' at %s: %s.",
              target.user(), where, ExitException.firstLine(e.getMessage()));
    } else if (SqlState.is(e, SqlState.INVALID_CATALOG_NAME)) {
      msg =
          message(
              "Database '%s' does not exist at %s: check the database name in the URL.",
              target.database(), where);
    } else if (root instanceof UnknownHostException) {
      msg = message("Unknown host '%s': check the host name in the URL.", target.host());
    } else if (root instanceof ConnectException || root instanceof NoRouteToHostException) {
      msg =
          message(
              "Connection refused by %s:%s: is the server running and reachable on that port?",
              target.host(), target.port());
    } else if (root instanceof SSLException
        || SqlState.is(e, SqlState.SQLSERVER_REJECTED_ESTABLISHMENT_OF_SQLCONNECTION)
            && String.valueOf(e.getMessage()).contains("SSL")) {
      msg =
          message(
              "TLS failed with %s (sslmode=%s): %s.",
              where, target.sslMode(), ExitException.firstLine(root.getMessage()));
    } else if (String.valueOf(e.getMessage()).contains("does not support SSL")) {
      msg =
          message(
              "The server at %s does not support TLS, but sslmode=%s requires it.",
              where, target.sslMode());
    } else {
      msg = message("Cannot connect to %s: %s.", where, ExitException.firstLine(e.getMessage()));
    }
    return new ExitException(ExitStatus.FAILURE, Redaction.redact(msg, target.password()), e);
  }

  /** A failure message: {@code template}'s {@code %s} replaced by {@code values}, in order. */
  private static String message(String template, Object... values) {
    return String.format(Locale.ROOT, template, values);
  }

  /** 10s, 2m, 500ms: as --connect-timeout takes it. */
  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0) {
      return ms + "ms";
    }
    long s = ms / 1000;
    if (s >= 60 && s % 60 == 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }

  private static Throwable rootCause(Throwable t) {
    Throwable cur = t;
    while (cur.getCause() != null && cur.getCause() != cur) {
      cur = cur.getCause();
    }
    return cur;
  }
}

package io.proddatareset.connect;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
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

  /**
   * Opens a new connection in auto-commit mode; failures become one-line {@link ExitException}s. A
   * server older than {@link #OLDEST_SERVER} is refused before anything is read or changed: the
   * catalog queries that tell user triggers from the clones a partitioned table gives its
   * partitions need PostgreSQL 13 (12 reached its end of life in November 2024).
   */
  public Connection open() {
    Connection c;
    try {
      c = DriverManager.getConnection(jdbcUrl(), properties());
    } catch (SQLException e) {
      throw describe(e);
    }
    try {
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
      try {
        c.close();
      } catch (SQLException ignored) {
        // the connection is already unusable; the first failure is the one to report
      }
      throw describe(e);
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
    p.setProperty("connectTimeout", "10");
    p.setProperty("tcpKeepAlive", "true");
    // the tool never relies on the server-side prepared statement cache; keep sessions simple
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
    String where = target.display();
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String msg;
    Throwable root = rootCause(e);
    if (state.equals("28P01")) {
      msg =
          "Password authentication failed for user '"
              + target.user()
              + "' at "
              + where
              + ": check the password in the URL, PGPASSWORD or ~/.pgpass.";
    } else if (state.equals("28000")) {
      msg =
          "The server rejected user '"
              + target.user()
              + "' at "
              + where
              + ": "
              + firstLine(e.getMessage())
              + ".";
    } else if (state.equals("3D000")) {
      msg =
          "Database '"
              + target.database()
              + "' does not exist at "
              + where
              + ": check the database name in the URL.";
    } else if (root instanceof UnknownHostException) {
      msg = "Unknown host '" + target.host() + "': check the host name in the URL.";
    } else if (root instanceof ConnectException || root instanceof NoRouteToHostException) {
      msg =
          "Connection refused by "
              + target.host()
              + ":"
              + target.port()
              + ": is the server running and reachable on that port?";
    } else if (root instanceof SocketTimeoutException) {
      msg =
          "Timed out connecting to "
              + target.host()
              + ":"
              + target.port()
              + ": is the host reachable from here?";
    } else if (root instanceof SSLException
        || state.equals("08004") && String.valueOf(e.getMessage()).contains("SSL")) {
      msg =
          "TLS failed with "
              + where
              + " (sslmode="
              + target.sslMode()
              + "): "
              + firstLine(root.getMessage())
              + ".";
    } else if (String.valueOf(e.getMessage()).contains("does not support SSL")) {
      msg =
          "The server at "
              + where
              + " does not support TLS, but sslmode="
              + target.sslMode()
              + " requires it.";
    } else {
      msg = "Cannot connect to " + where + ": " + firstLine(e.getMessage()) + ".";
    }
    return new ExitException(ExitStatus.FAILURE, Redaction.redact(msg, target.password()), e);
  }

  private static Throwable rootCause(Throwable t) {
    Throwable cur = t;
    while (cur.getCause() != null && cur.getCause() != cur) {
      cur = cur.getCause();
    }
    return cur;
  }

  static String firstLine(String s) {
    if (s == null) {
      return "no detail";
    }
    String line = s.strip();
    int nl = line.indexOf('\n');
    if (nl >= 0) {
      line = line.substring(0, nl);
    }
    while (line.endsWith(".")) {
      line = line.substring(0, line.length() - 1);
    }
    return line;
  }
}

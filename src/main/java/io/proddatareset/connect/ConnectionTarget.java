package io.proddatareset.connect;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A resolved database target. The password is held only to open connections: {@link #toString()}
 * and {@link #display()} never show it.
 *
 * @param host host name or IP literal (no brackets)
 * @param port TCP port
 * @param database database name
 * @param user role name, may be null (then the OS user name, as libpq does)
 * @param password password, may be null
 * @param sslMode one of disable, allow, prefer, require, verify-ca, verify-full
 * @param extra further PgJDBC connection properties taken from the URL (no secrets)
 * @param connectTimeout how long to wait for the connection and the start-up exchange; null when
 *     none was given ({@link Connector#DEFAULT_CONNECT_TIMEOUT} then)
 */
public record ConnectionTarget(
    String host,
    int port,
    String database,
    String user,
    String password,
    String sslMode,
    Map<String, String> extra,
    Duration connectTimeout) {

  public ConnectionTarget {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(database, "database");
    extra = Map.copyOf(extra == null ? Map.of() : extra);
    if (connectTimeout != null && (connectTimeout.isNegative() || connectTimeout.isZero())) {
      throw new IllegalArgumentException("connectTimeout must be positive: " + connectTimeout);
    }
  }

  public ConnectionTarget withPassword(String newPassword) {
    return new ConnectionTarget(
        host, port, database, user, newPassword, sslMode, extra, connectTimeout);
  }

  public ConnectionTarget withSslMode(String mode) {
    return new ConnectionTarget(host, port, database, user, password, mode, extra, connectTimeout);
  }

  public ConnectionTarget withUser(String newUser) {
    return new ConnectionTarget(
        host, port, database, newUser, password, sslMode, extra, connectTimeout);
  }

  public ConnectionTarget withConnectTimeout(Duration timeout) {
    return new ConnectionTarget(host, port, database, user, password, sslMode, extra, timeout);
  }

  /** The connect timeout to use: this target's own, or the default. */
  public Duration effectiveConnectTimeout() {
    return connectTimeout == null ? Connector.DEFAULT_CONNECT_TIMEOUT : connectTimeout;
  }

  /** The target as people see it: {@code postgresql://user@host:port/db}, never a password. */
  public String display() {
    return Redaction.describe(this);
  }

  @Override
  public String toString() {
    return display();
  }
}

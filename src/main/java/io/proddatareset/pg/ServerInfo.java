package io.proddatareset.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * Which server and database a connection is in, read with one query (and a second for the system
 * identifier when the role may read it).
 *
 * @param database {@code current_database()}
 * @param version {@code server_version}, e.g. {@code 16.4}
 * @param versionNum {@code server_version_num}, e.g. {@code 160004}
 * @param inRecovery true on a hot standby ({@code pg_is_in_recovery()})
 * @param user {@code current_user}
 * @param systemIdentifier the cluster's system identifier from {@code pg_control_system()}, the
 *     same for a server and its physical replicas and different for any other cluster (even one
 *     restored from a logical dump); null when the role may not call {@code pg_control_system()}
 * @param clock the server's {@code clock_timestamp()} when read
 */
public record ServerInfo(
    String database,
    String version,
    int versionNum,
    boolean inRecovery,
    String user,
    String systemIdentifier,
    Instant clock) {

  private static final String SQL =
      """
      SELECT pg_catalog.current_database(),
             pg_catalog.current_setting('server_version'),
             pg_catalog.current_setting('server_version_num')::int,
             pg_catalog.pg_is_in_recovery(),
             current_user,
             pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE'),
             pg_catalog.clock_timestamp()
      """;

  private static final String SYSTEM_IDENTIFIER_SQL =
      "SELECT system_identifier::text FROM pg_catalog.pg_control_system()";

  /** Reads it over {@code conn}, in whatever transaction is open there; only reads. */
  public static ServerInfo read(Connection conn) throws SQLException {
    String database;
    String version;
    int versionNum;
    boolean inRecovery;
    String user;
    boolean controlReadable;
    Instant clock;
    try (PreparedStatement ps = conn.prepareStatement(SQL);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      database = rs.getString(1);
      version = rs.getString(2);
      versionNum = rs.getInt(3);
      inRecovery = rs.getBoolean(4);
      user = rs.getString(5);
      controlReadable = rs.getBoolean(6);
      clock = rs.getObject(7, OffsetDateTime.class).toInstant();
    }
    String systemIdentifier = null;
    if (controlReadable) {
      try (PreparedStatement ps = conn.prepareStatement(SYSTEM_IDENTIFIER_SQL);
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        systemIdentifier = rs.getString(1);
      }
    }
    return new ServerInfo(database, version, versionNum, inRecovery, user, systemIdentifier, clock);
  }
}

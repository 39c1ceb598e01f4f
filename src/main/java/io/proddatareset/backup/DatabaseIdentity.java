package io.proddatareset.backup;

import io.proddatareset.pg.ServerInfo;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Which database a connection is in: its name and the server's system identifier (from {@code
 * pg_control_system()}, the same for a server and its physical replicas, different for any other
 * cluster, even one restored from a logical dump).
 *
 * @param systemIdentifier null when the role may not call {@code pg_control_system()}
 */
public record DatabaseIdentity(String database, String systemIdentifier) {
  /** Reads it over {@code conn}, in whatever transaction is open there; only reads. */
  public static DatabaseIdentity of(Connection conn) throws SQLException {
    ServerInfo server = ServerInfo.read(conn);
    return new DatabaseIdentity(server.database(), server.systemIdentifier());
  }
}

package io.proddatareset.backup;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

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
    try (Statement st = conn.createStatement()) {
      String database;
      boolean mayRead;
      try (ResultSet rs =
          st.executeQuery(
              "SELECT pg_catalog.current_database(),"
                  + " pg_catalog.has_function_privilege('pg_catalog.pg_control_system()',"
                  + " 'EXECUTE')")) {
        rs.next();
        database = rs.getString(1);
        mayRead = rs.getBoolean(2);
      }
      if (!mayRead) {
        return new DatabaseIdentity(database, null);
      }
      try (ResultSet rs =
          st.executeQuery("SELECT system_identifier::text FROM pg_catalog.pg_control_system()")) {
        rs.next();
        return new DatabaseIdentity(database, rs.getString(1));
      }
    }
  }
}

package io.proddatareset.plan;

import io.proddatareset.catalog.TableName;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * Exact row counts with {@code count(*)}, one statement per table, on the caller's connection and
 * in its transaction (so a {@code REPEATABLE READ} transaction counts every table in one snapshot).
 * Each count takes an {@code ACCESS SHARE} lock on the table, held until the transaction ends.
 */
public final class RowCounter {
  private RowCounter() {}

  public static Map<TableName, Long> count(Connection connection, Collection<TableName> tables)
      throws SQLException {
    Map<TableName, Long> out = new TreeMap<>();
    try (Statement st = connection.createStatement()) {
      for (TableName t : tables) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + t.sql())) {
          rs.next();
          out.put(t, rs.getLong(1));
        }
      }
    }
    return out;
  }
}

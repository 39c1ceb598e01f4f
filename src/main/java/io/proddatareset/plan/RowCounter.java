package io.proddatareset.plan;

import io.proddatareset.catalog.Table;
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
 * Counts cover a table's own rows and its partitions, never children by legacy inheritance. Tables
 * the user may not read are left out (the plan reports them).
 */
public final class RowCounter {
  private RowCounter() {}

  public static Map<TableName, Long> count(Connection connection, Collection<Table> tables)
      throws SQLException {
    Map<TableName, Long> out = new TreeMap<>();
    try (Statement st = connection.createStatement()) {
      for (Table t : tables) {
        if (!t.canSelect()) {
          continue;
        }
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + t.sqlOwnRows())) {
          rs.next();
          out.put(t.name(), rs.getLong(1));
        }
      }
    }
    return out;
  }
}

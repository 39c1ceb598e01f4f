package io.proddatareset.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** A column's default, as the server writes it: what a {@code SET DEFAULT} key sets it to. */
public final class ColumnDefaults {
  private ColumnDefaults() {}

  /**
   * The default expression of {@code column} in {@code table}, in parentheses, as SQL text from the
   * server's own catalog ({@code pg_get_expr}), or {@code NULL} when it has none.
   */
  public static String expression(Connection c, TableName table, String column)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attribute a"
                + " JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                + " WHERE a.attrelid = ?::regclass AND a.attname = ?")) {
      ps.setString(1, table.sql());
      ps.setString(2, column);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? "(" + rs.getString(1) + ")" : "NULL";
      }
    }
  }
}

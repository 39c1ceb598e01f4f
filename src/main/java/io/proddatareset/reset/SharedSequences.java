package io.proddatareset.reset;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.Queries;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Sequences that {@code TRUNCATE ... RESTART IDENTITY} would restart although a table that is not
 * reset draws from them. RESTART IDENTITY restarts the sequences owned by columns of the truncated
 * tables (partitions included); when a kept table (or any other) has one of them in a column
 * default, its next rows would get ids it already holds.
 */
public final class SharedSequences {
  private SharedSequences() {}

  private static final String SQL =
      """
      WITH RECURSIVE reset(oid) AS (
        SELECT to_regclass(n)::oid FROM unnest(?::text[]) AS n
        UNION
        SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN reset r ON i.inhparent = r.oid
      )
      SELECT DISTINCT sn.nspname, s.relname, tn.nspname, t.relname, a.attname
      FROM pg_catalog.pg_depend own
      JOIN pg_catalog.pg_class s ON s.oid = own.objid AND s.relkind = 'S'
      JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
      JOIN pg_catalog.pg_depend d ON d.refobjid = s.oid
        AND d.classid = 'pg_catalog.pg_attrdef'::regclass
        AND d.refclassid = 'pg_catalog.pg_class'::regclass
      JOIN pg_catalog.pg_attrdef ad ON ad.oid = d.objid
      JOIN pg_catalog.pg_class t ON t.oid = ad.adrelid
      JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
      JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
      WHERE own.classid = 'pg_catalog.pg_class'::regclass
        AND own.refclassid = 'pg_catalog.pg_class'::regclass
        AND own.deptype IN ('a', 'i')
        AND own.refobjid IN (SELECT oid FROM reset WHERE oid IS NOT NULL)
        AND ad.adrelid NOT IN (SELECT oid FROM reset WHERE oid IS NOT NULL)
      ORDER BY 1, 2, 3, 4, 5
      """;

  /** One line per sequence and column that draws from it, empty when there is none. */
  static List<String> find(Connection conn, List<TableName> resetTables) throws SQLException {
    return Queries.list(
        conn,
        SQL,
        ps ->
            ps.setArray(
                1, conn.createArrayOf("text", resetTables.stream().map(TableName::sql).toArray())),
        rs ->
            new TableName(rs.getString(1), rs.getString(2)).display()
                + " is also the default of "
                + new TableName(rs.getString(3), rs.getString(4)).display()
                + "."
                + Identifiers.display(rs.getString(5)));
  }

  /**
   * Refuses (exit 3) a {@code --restart-identity} that would restart a sequence another table draws
   * from, on a connection of its own: the reset command asks before the confirmation.
   */
  public static void refuseRestart(Connector connector, List<TableName> resetTables) {
    try (Connection c = connector.open()) {
      refuseRestart(c, resetTables);
    } catch (SQLException e) {
      throw connector.describe(e);
    }
  }

  /**
   * The same refusal on {@code conn}, in its current transaction: the reset asks again after it has
   * locked the tables.
   */
  static void refuseRestart(Connection conn, List<TableName> resetTables) throws SQLException {
    String refusal = refusal(find(conn, resetTables));
    if (refusal != null) {
      throw ExitException.refused(refusal);
    }
  }

  /**
   * The refusal for {@code --restart-identity} when {@link #find} found anything, or null. Says
   * what would happen and what to do.
   */
  static String refusal(List<String> shared) {
    if (shared.isEmpty()) {
      return null;
    }
    return "--restart-identity would restart sequences that tables which are not reset draw from ("
        + String.join("; ", shared)
        + "): their next rows would get ids they already hold. Nothing was changed. Leave out"
        + " --restart-identity, or give those tables sequences of their own.";
  }
}

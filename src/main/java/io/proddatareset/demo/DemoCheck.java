package io.proddatareset.demo;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Transactions;
import io.proddatareset.reset.TableFingerprint;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's own check that its restore brought every table back: each table's row count and
 * content hash in the demo database before the reset and after the restore.
 */
public final class DemoCheck {
  private DemoCheck() {}

  /**
   * One table compared.
   *
   * @param difference how the table differs after, or null when it is the same
   */
  public record Comparison(TableFingerprint before, String difference) {
    public boolean same() {
      return difference == null;
    }
  }

  /**
   * The fingerprints of the demo's tables (schema public, by name), in one read-only snapshot.
   *
   * @throws ExitException FAILURE when the database cannot be read
   */
  public static Map<TableName, TableFingerprint> fingerprints(DemoDatabase db) {
    try (Connection c = db.connect()) {
      return Transactions.readOnlySnapshot(c, DemoCheck::fingerprints);
    } catch (SQLException e) {
      throw ExitException.failure("The demo could not read its database: " + e.getMessage(), e);
    }
  }

  /** Each table of {@code before} against {@code after}, in the order of {@code before}. */
  public static List<Comparison> compare(
      Map<TableName, TableFingerprint> before, Map<TableName, TableFingerprint> after) {
    return before.values().stream()
        .map(
            b -> {
              TableFingerprint a = after.get(b.table());
              return new Comparison(
                  b, a == null ? b.table().display() + " is missing" : b.differenceFrom(a));
            })
        .toList();
  }

  private static Map<TableName, TableFingerprint> fingerprints(Connection c) throws SQLException {
    List<TableName> tables = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT schemaname, tablename FROM pg_catalog.pg_tables"
                    + " WHERE schemaname = 'public' ORDER BY 2")) {
      while (rs.next()) {
        tables.add(new TableName(rs.getString(1), rs.getString(2)));
      }
    }
    Map<TableName, TableFingerprint> out = new LinkedHashMap<>();
    for (TableFingerprint f : TableFingerprint.take(c, tables, TableFingerprint.Mode.HASH)) {
      out.put(f.table(), f);
    }
    return out;
  }
}

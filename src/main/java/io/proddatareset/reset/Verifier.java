package io.proddatareset.reset;

import io.proddatareset.Counts;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Queries;
import io.proddatareset.pg.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks that reset tables are empty and kept tables match their recorded fingerprints. Reads only,
 * with whatever transaction the caller opened; {@link #verifyReadOnly} opens its own read-only one.
 * After a committed reset, {@link #verifyAfterReset} tells rows written since from removed rows.
 */
public final class Verifier {
  private Verifier() {}

  /**
   * Runs the checks in a new {@code REPEATABLE READ, READ ONLY} transaction on {@code conn}, which
   * must be in auto-commit mode; the transaction is rolled back afterwards (nothing to keep) and
   * the connection left as it was ({@link Transactions#readOnlySnapshot}).
   */
  public static VerifyReport verifyReadOnly(
      Connection conn,
      String database,
      List<TableName> resetTables,
      List<TableFingerprint> keptExpected)
      throws SQLException {
    return Transactions.readOnlySnapshot(conn, c -> verify(c, database, resetTables, keptExpected));
  }

  /**
   * The check after a committed reset, with its marks ({@link AfterResetCheck}): reads in a new
   * {@code REPEATABLE READ, READ ONLY} transaction on {@code conn} (in auto-commit mode; rolled
   * back and the connection left as it was), then, with the transaction ended, compares the rows
   * found in reset tables with the backup's.
   *
   * @param keptAtCommit the kept tables' fingerprints at the commit
   */
  static VerifyReport verifyAfterReset(
      Connection conn,
      String database,
      List<TableName> resetTables,
      List<TableFingerprint> keptAtCommit,
      AfterResetCheck.Against against)
      throws SQLException {
    AfterResetCheck.Seen seen =
        Transactions.readOnlySnapshot(
            conn, c -> AfterResetCheck.read(c, resetTables, keptAtCommit, against));
    return AfterResetCheck.compare(seen, database, against);
  }

  /**
   * The tables of {@code tables} that do not exist (as a table or partitioned table), in order:
   * they cannot be checked, which is itself a failure. Reads only.
   */
  public static List<TableName> missing(Connection conn, List<TableName> tables)
      throws SQLException {
    return Queries.list(
        conn,
        "SELECT t.s, t.n FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS t(s, n, i)"
            + " WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = t.s AND c.relname = t.n AND c.relkind IN ('r', 'p'))"
            + " ORDER BY t.i",
        ps -> {
          ps.setArray(
              1, conn.createArrayOf("text", tables.stream().map(TableName::schema).toArray()));
          ps.setArray(
              2, conn.createArrayOf("text", tables.stream().map(TableName::name).toArray()));
        },
        rs -> new TableName(rs.getString(1), rs.getString(2)));
  }

  /** Runs the checks in the caller's current transaction. */
  public static VerifyReport verify(
      Connection conn,
      String database,
      List<TableName> resetTables,
      List<TableFingerprint> keptExpected)
      throws SQLException {
    List<VerifyReport.Check> checks = new ArrayList<>();
    for (TableFingerprint f :
        TableFingerprint.take(conn, resetTables, TableFingerprint.Mode.COUNT)) {
      checks.add(
          new VerifyReport.Check(
              f.table(),
              VerifyReport.Kind.RESET,
              f.rows(),
              f.rows() == 0
                  ? null
                  : f.table().display()
                      + " has "
                      + Counts.of(f.rows(), "row")
                      + "; it should be empty"));
    }
    if (!keptExpected.isEmpty()) {
      Map<TableName, TableFingerprint> now = TableFingerprint.takeAgain(conn, keptExpected);
      for (TableFingerprint before : keptExpected) {
        TableFingerprint after = now.get(before.table());
        checks.add(
            new VerifyReport.Check(
                before.table(),
                VerifyReport.Kind.KEPT,
                after.rows(),
                before.differenceFrom(after)));
      }
    }
    return new VerifyReport(database, checks);
  }
}

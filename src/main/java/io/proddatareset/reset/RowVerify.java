package io.proddatareset.reset;

import io.proddatareset.ExitException;
import io.proddatareset.backup.BackupBlocks;
import io.proddatareset.backup.BackupManifest;
import io.proddatareset.backup.BackupOrigin;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.Transactions;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.plan.RowClosure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * The check of a row reset ({@code verify --manifest} of a subset backup's manifest, and the check
 * right after the reset's commit): the rows it deleted are not back. The keys of each delete block
 * of the backup (its whole rows where the table has none) are loaded, on the server, into a
 * temporary table with the table's own column types, and joined with the table in the one scan that
 * counts its rows: a deleted key present again fails (a deleted row is back, exit 4); the table's
 * other rows are the app's business, and those written since the reset committed (their {@code
 * xmin} is younger than the reset's transaction) are counted as new. Updated rows are not checked:
 * the app may change them since. Memory stays flat: the rows stream from the file to the server.
 *
 * <p>Transaction: one {@code READ COMMITTED} transaction of its own, which writes only its
 * temporary tables and is always rolled back.
 */
public final class RowVerify {
  private RowVerify() {}

  /**
   * @param manifestFile the subset backup's manifest; the backup is the file it names, beside it
   * @throws ExitException USAGE when the backup is not beside the manifest or cannot be read;
   *     REFUSED for another database's manifest; FAILURE when the database cannot be read
   */
  public static VerifyReport verify(Connector connector, Path manifestFile, BackupManifest m) {
    Path backup = manifestFile.toAbsolutePath().resolveSibling(m.file() == null ? "" : m.file());
    if (m.file() == null || !Files.isRegularFile(backup)) {
      throw ExitException.usage(
          "The manifest names its backup "
              + m.file()
              + ", beside it, and it is not there: put the backup back as "
              + backup
              + ", then verify again. Nothing was checked.");
    }
    try {
      return Transactions.rolledBack(connector::open, c -> verify(c, backup, m));
    } catch (SQLException e) {
      throw VerifyService.couldNotRead(connector, e);
    }
  }

  private static VerifyReport verify(Connection c, Path backup, BackupManifest m)
      throws SQLException {
    BackupOrigin origin = VerifyService.requireSameDatabase(c, m);
    String xid = m.reset() == null ? null : m.reset().xid();
    List<VerifyReport.Check> checks = new ArrayList<>();
    int[] block = {0};
    List<SQLException> failed = new ArrayList<>();
    try {
      BackupBlocks.read(
          backup,
          m,
          (table, columns, data) -> {
            BackupManifest.TableEntry entry = m.tables().get(block[0]);
            String temp = "pdr_verify_" + block[0]++;
            if (!BackupManifest.TableEntry.DELETE.equals(entry.action())) {
              return;
            }
            try {
              checks.add(check(c, table, columns, entry.key(), temp, data, xid));
            } catch (SQLException e) {
              failed.add(e);
              throw new IOException(e.getMessage(), e);
            }
          });
    } catch (IOException e) {
      if (!failed.isEmpty()) {
        throw failed.get(0);
      }
      throw ExitException.usage(
          "Cannot read the backup " + backup + ": " + ExitException.firstLine(e) + ".");
    }
    return new VerifyReport(
        origin.target().database(),
        checks,
        xid == null ? null : new VerifyReport.Since(m.reset().committedAt(), xid, backup));
  }

  private static VerifyReport.Check check(
      Connection c,
      TableName table,
      List<String> columns,
      List<String> key,
      String temp,
      java.io.InputStream data,
      String xid)
      throws SQLException, IOException {
    boolean keyed = key != null && !key.isEmpty();
    // a table with a key: only the deleted rows' keys are loaded (the other columns may be large)
    List<String> loaded = keyed ? key : columns;
    String cols = String.join(", ", loaded.stream().map(Identifiers::quote).toList());
    try (Statement st = c.createStatement()) {
      st.execute(
          "CREATE TEMPORARY TABLE "
              + temp
              + " ON COMMIT DROP AS SELECT "
              + cols
              + " FROM "
              + table.sql()
              + " LIMIT 0");
    }
    String copy = "COPY pg_temp." + temp + " (" + cols + ") FROM STDIN";
    if (keyed) {
      int[] at = RowsNowKeys.indexes(columns, key);
      try (PGCopyOutputStream out = new PGCopyOutputStream(c.unwrap(PGConnection.class), copy);
          RowsNowKeys.Lines lines =
              new RowsNowKeys.Lines(
                  line -> {
                    out.write(RowsNowKeys.project(line, at));
                    out.write('\n');
                  })) {
        data.transferTo(lines);
      }
      try (Statement st = c.createStatement()) {
        // a temporary table has no statistics otherwise, and the join below is planned blind
        st.execute("ANALYZE pg_temp." + temp);
      }
    } else {
      c.unwrap(PGConnection.class).getCopyAPI().copyIn(copy, data);
    }
    String younger = xid == null ? "false" : YOUNGER.replace("xmin", "t.xmin");
    long rows;
    Long since;
    long rowsBack;
    if (keyed) {
      StringBuilder on = new StringBuilder();
      for (String k : key) {
        on.append(on.length() > 0 ? " AND " : "")
            .append("t.")
            .append(Identifiers.quote(k))
            .append(" = x.")
            .append(Identifiers.quote(k));
      }
      // one scan of the table for the three counts (its rows and those written since are counted
      // anyway), joined with the deleted keys by a hash of them; a key is unique on both sides,
      // so a row of the table meets one deleted key at most
      String sql =
          "SELECT count(*), count(*) FILTER (WHERE "
              + younger
              + "), count(x."
              + Identifiers.quote(key.get(0))
              + ") FROM "
              + table.sql()
              + " t LEFT JOIN pg_temp."
              + temp
              + " x ON "
              + on;
      long[] counts = counts(c, sql, xid);
      rows = counts[0];
      since = xid == null ? null : counts[1];
      rowsBack = counts[2];
    } else {
      rowsBack =
          count(
              c,
              "SELECT count(*) FROM (SELECT "
                  + cols
                  + " FROM "
                  + table.sql()
                  + " INTERSECT ALL SELECT "
                  + cols
                  + " FROM pg_temp."
                  + temp
                  + ") b",
              null);
      long[] counts =
          counts(
              c,
              "SELECT count(*), count(*) FILTER (WHERE "
                  + younger
                  + "), 0 FROM "
                  + table.sql()
                  + " t",
              xid);
      rows = counts[0];
      since = xid == null ? null : counts[1];
    }
    if (rowsBack > 0) {
      return new VerifyReport.Check(
          table,
          VerifyReport.Kind.DELETED,
          VerifyReport.Status.PRE_RESET_ROW,
          rows,
          since,
          rowsBack,
          null,
          null,
          null,
          table.display()
              + ": "
              + rowsBack
              + (rowsBack == 1 ? " row" : " rows")
              + " with the "
              + (key == null || key.isEmpty() ? "content" : "key")
              + " of a row the reset deleted "
              + (rowsBack == 1 ? "is" : "are")
              + " back");
    }
    return new VerifyReport.Check(
        table,
        VerifyReport.Kind.DELETED,
        since != null && since > 0 ? VerifyReport.Status.WRITTEN_SINCE : VerifyReport.Status.OK,
        rows,
        since,
        0L,
        null,
        null,
        "none of the deleted rows is back"
            + (since != null && since > 0 ? "; " + since + " written since" : ""),
        null);
  }

  /**
   * The check right after a row reset without a backup: the closure of the same selection, computed
   * again (in a transaction of its own, rolled back), holds no row older than the reset's commit;
   * its rows written since ({@code xmin} younger than the reset's transaction) are new.
   */
  public static VerifyReport verifySelection(
      Connector connector, ResetPlan plan, ResetMarks marks) {
    try {
      return Transactions.rolledBack(
          connector::open,
          c -> {
            KeyDetails keys = KeyDetails.read(c);
            RowClosure.Result closure =
                RowClosure.fill(c, plan.catalog(), keys, plan.subset().selection());
            List<VerifyReport.Check> checks = new ArrayList<>();
            for (RowClosure.Reached r : plan.subset().closure().tables()) {
              if (r.deleteRows() == 0) {
                continue;
              }
              String own = RowResetStatements.ownRows(plan.catalog(), keys, r.table());
              String where = closure.rowsCondition(r.table(), true);
              long now = count(c, "SELECT count(*) FROM " + own + " WHERE " + where, null);
              long since =
                  count(
                      c,
                      "SELECT count(*) FROM " + own + " WHERE " + where + " AND " + YOUNGER,
                      marks.xid());
              long older = now - since;
              checks.add(
                  new VerifyReport.Check(
                      r.table(),
                      VerifyReport.Kind.DELETED,
                      older > 0
                          ? VerifyReport.Status.PRE_RESET_ROW
                          : since > 0 ? VerifyReport.Status.WRITTEN_SINCE : VerifyReport.Status.OK,
                      now,
                      since,
                      null,
                      null,
                      null,
                      older > 0 ? null : "no row of the selection is left from before the reset",
                      older > 0
                          ? r.table().display()
                              + ": "
                              + older
                              + " rows of the selection written before the reset are still there"
                          : null));
            }
            return new VerifyReport(
                plan.database(),
                checks,
                new VerifyReport.Since(marks.committedAt(), marks.xid(), null));
          });
    } catch (SQLException e) {
      throw VerifyService.couldNotRead(connector, e);
    }
  }

  /**
   * Rows whose version was written after the transaction {@code ?} (a 64-bit txid as text): not
   * frozen (xid 2), and younger than it. The transaction's age is a scalar subquery, taken once per
   * statement rather than once per row (with the {@code xid} comparison instead of {@code
   * xmin::text}: 105 ms -> 58 ms for this filter over the 900,000 rows of the bench's {@code
   * entity_events}).
   */
  private static final String YOUNGER =
      "xmin <> '2'::xid AND age(xmin) < (SELECT age((?::bigint % 4294967296)::text::xid))";

  /** The three counts of {@code sql}'s one row; {@code xid} is its parameter, if it has one. */
  private static long[] counts(Connection c, String sql, String xid) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (xid != null) {
        ps.setString(1, xid);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
      }
    }
  }

  private static long count(Connection c, String sql, String parameter) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (parameter != null) {
        ps.setString(1, parameter);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}

package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The blocks of a subset backup, each loaded into a temporary table of its own ({@link #temp}),
 * against the live rows, by key: a deleted row's key taken since, an updated row gone since or
 * changed by the app since, and the statement that puts an update entry's columns back ({@link
 * UpdatedColumns}). For {@link LiveRestoreRun}, in its transaction.
 */
final class LiveRestoreRows {
  private final Connection conn;
  private final LiveRestorePlan plan;
  private final BackupManifest manifest;

  LiveRestoreRows(Connection conn, LiveRestorePlan plan, BackupManifest manifest) {
    this.conn = conn;
    this.plan = plan;
    this.manifest = manifest;
  }

  /** The temporary table block {@code i} is loaded into. */
  static String temp(int i) {
    return "pg_temp.pdr_live_restore_" + i;
  }

  /**
   * Puts back the updated columns of entry {@code i}'s rows, found by key, where the reset changed
   * them and the app has not since ({@link UpdatedColumns}).
   */
  String putBack(int i, BackupManifest.TableEntry e, UpdatedColumns updated) {
    return "UPDATE "
        + plan.ownRows(e.tableName())
        + " AS t SET "
        + updated.setList()
        + " FROM "
        + temp(i)
        + " AS s WHERE "
        + keyMatch(e.key())
        + " AND "
        + updated.anyToPutBack();
  }

  /**
   * What putting back the columns of update entry {@code i} finds, before it changes anything: its
   * rows still in the table (by key), those in which the app has changed a column the reset set
   * (that column stays as the app wrote it), and up to five keys of each kind of row not put back.
   *
   * @param columns the entry's columns as the reset left them; null when the table has no key to
   *     find its rows by (none is found)
   */
  record UpdateOutcome(
      UpdatedColumns columns,
      long found,
      long changed,
      List<String> goneKeys,
      List<String> changedKeys) {
    /** The block's outcome, with {@code restored} rows that got a column back. */
    LiveRestorePlan.Outcome outcome(BackupManifest.TableEntry e, long restored) {
      return new LiveRestorePlan.Outcome(
          restored, e.rows() - found, goneKeys, changed, changedKeys);
    }
  }

  UpdateOutcome updateOutcome(int i, BackupManifest.TableEntry e) throws SQLException {
    if (e.key() == null) {
      return new UpdateOutcome(null, 0, 0, List.of(), List.of());
    }
    UpdatedColumns columns =
        UpdatedColumns.of(
            conn,
            e.tableName(),
            plan.targets().get(e.tableName()),
            e.updatedColumns(),
            this::deletedRows);
    long found = count(i, e, "true");
    long changed = count(i, e, columns.anyChangedSince());
    return new UpdateOutcome(
        columns,
        found,
        changed,
        found == e.rows() ? List.of() : keys(i, e, false, "true", 5),
        changed == 0 ? List.of() : keys(i, e, true, columns.anyChangedSince(), 5));
  }

  /** The temporary table of the backup's deleted rows of {@code table}, or null: none. */
  private String deletedRows(TableName table) {
    List<BackupManifest.TableEntry> entries = manifest.tables();
    for (int j = 0; j < entries.size(); j++) {
      if (entries.get(j).action().equals(BackupManifest.TableEntry.DELETE)
          && entries.get(j).tableName().equals(table)) {
        return temp(j);
      }
    }
    return null;
  }

  /** How many of entry {@code i}'s rows are in the table (by key) and meet {@code condition}. */
  private long count(int i, BackupManifest.TableEntry e, String condition) throws SQLException {
    try (Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM "
                    + temp(i)
                    + " AS s JOIN "
                    + plan.ownRows(e.tableName())
                    + " AS t ON "
                    + keyMatch(e.key())
                    + " WHERE "
                    + condition)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static String keyMatch(List<String> key) {
    return key.stream()
        .map(c -> "t." + Identifiers.quote(c) + " = s." + Identifiers.quote(c))
        .collect(Collectors.joining(" AND "));
  }

  /**
   * Refuses when a row the backup holds as deleted has a key that a row in the table has now: it
   * would be a second row with that key (or the same row twice).
   */
  void refuseTakenKeys(BackupManifest m) throws SQLException {
    for (int i = 0; i < m.tables().size(); i++) {
      BackupManifest.TableEntry e = m.tables().get(i);
      if (!e.action().equals(BackupManifest.TableEntry.DELETE) || e.key() == null) {
        continue;
      }
      List<String> taken = keys(i, e, true, "true", 1);
      if (!taken.isEmpty()) {
        throw ExitException.refused(
            "Refusing to restore: "
                + e.name()
                + " already holds a row with "
                + taken.get(0)
                + ", the key of a row the backup puts back (another row has taken it since)."
                + " Nothing was changed (rolled back); remove or renumber that row, then restore"
                + " again.");
      }
    }
  }

  /**
   * Keys ({@code id = 7}) of the block's rows that are ({@code inTable}, the row there meeting
   * {@code condition}) or are not in the table.
   */
  List<String> keys(
      int i, BackupManifest.TableEntry e, boolean inTable, String condition, int limit)
      throws SQLException {
    TableName t = e.tableName();
    String sql =
        "SELECT "
            + e.key().stream()
                .map(c -> "s." + Identifiers.quote(c) + "::text")
                .collect(Collectors.joining(", "))
            + " FROM "
            + temp(i)
            + " AS s WHERE "
            + (inTable ? "" : "NOT ")
            + "EXISTS (SELECT 1 FROM "
            + plan.ownRows(t)
            + " AS t WHERE "
            + keyMatch(e.key())
            + " AND "
            + condition
            + ") LIMIT "
            + limit;
    List<String> out = new ArrayList<>();
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < e.key().size(); k++) {
          parts.add(Identifiers.display(e.key().get(k)) + " = " + rs.getString(k + 1));
        }
        out.add(String.join(", ", parts));
      }
    }
    return out;
  }
}

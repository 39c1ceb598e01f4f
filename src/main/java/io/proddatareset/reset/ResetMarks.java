package io.proddatareset.reset;

import io.proddatareset.backup.BackupManifest;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Queries;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What proves that a row in a reset table was written after the reset committed: the TRUNCATE gave
 * each table (each leaf partition of a partitioned one) new storage, and held ACCESS EXCLUSIVE
 * until the commit, so every row in that storage was written by a transaction that began its write
 * after the commit. Read inside the reset's transaction, after the TRUNCATE and its check, just
 * before COMMIT; written into the backup's manifest once the commit is confirmed ({@link #entry}).
 *
 * <p>Storage proves when a row was written, not that it is new: a row equal to one the reset
 * removed (put back by a restore, say) is told apart by comparing it with the backup.
 *
 * @param committedAt the server's {@code clock_timestamp()} read just before COMMIT (the commit
 *     itself follows within milliseconds; nothing else runs in between)
 * @param xid the reset transaction's id, {@code txid_current()} as text (64-bit, epoch included)
 * @param textSettings the session settings that shaped the backup's COPY text and that a backup
 *     does not pin itself ({@link #TEXT_SETTINGS}), as the reset's session has them
 * @param tables each reset table with its storage after the TRUNCATE
 */
public record ResetMarks(
    String committedAt, String xid, Map<String, String> textSettings, List<TableMark> tables) {

  /**
   * Settings that change a value's COPY text, beyond those every backup pins ({@link
   * io.proddatareset.pg.SessionSettings#COPY_TEXT}): a later check in another session (another
   * machine's time zone, say) sets them as the reset had them, or a timestamptz would read
   * differently and a removed row back would go unnoticed.
   */
  static final List<String> TEXT_SETTINGS = List.of("TimeZone", "bytea_output", "lc_monetary");

  public ResetMarks {
    textSettings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(textSettings));
    tables = List.copyOf(tables);
  }

  /**
   * One reset table's storage after the TRUNCATE.
   *
   * @param relfilenodes {@code pg_relation_filenode} of the table itself, or of each leaf partition
   *     of a partitioned table (in the order of their names); relations without storage are left
   *     out
   */
  public record TableMark(TableName table, List<Long> relfilenodes) {
    public TableMark {
      relfilenodes = List.copyOf(relfilenodes);
    }
  }

  /** The marks of {@code table}, or null when it was not reset. */
  public TableMark mark(TableName table) {
    return tables.stream().filter(m -> m.table().equals(table)).findFirst().orElse(null);
  }

  /**
   * Reads the marks in the reset's own transaction, after the TRUNCATE and the check that follows
   * it, as the last thing before COMMIT. Reads only; the transaction goes on as it was.
   *
   * @param inResetTransaction the reset's connection, in its transaction
   * @param reset the tables the TRUNCATE emptied
   */
  public static ResetMarks read(Connection inResetTransaction, List<TableName> reset)
      throws SQLException {
    List<TableMark> tables = new ArrayList<>();
    for (TableName t : reset) {
      tables.add(new TableMark(t, storage(inResetTransaction, t)));
    }
    Map<String, String> settings = new LinkedHashMap<>();
    String committedAt;
    String xid;
    try (Statement st = inResetTransaction.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',"
                    + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), txid_current()::text,"
                    + " current_setting('TimeZone'), current_setting('bytea_output'),"
                    + " current_setting('lc_monetary')")) {
      rs.next();
      committedAt = rs.getString(1);
      xid = rs.getString(2);
      for (int i = 0; i < TEXT_SETTINGS.size(); i++) {
        settings.put(TEXT_SETTINGS.get(i), rs.getString(3 + i));
      }
    }
    return new ResetMarks(committedAt, xid, settings, tables);
  }

  /**
   * The relfilenodes of {@code table} now: its own, or its leaf partitions' for a partitioned
   * table, in the order of their names. Reads only, in the caller's transaction.
   */
  static List<Long> storage(Connection conn, TableName table) throws SQLException {
    return Queries.list(
        conn,
        "SELECT pg_relation_filenode(c.oid) FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            // pg_partition_tree lists nothing for a table outside any partition tree
            + " WHERE (c.oid = ?::regclass OR c.oid IN"
            + " (SELECT p.relid FROM pg_partition_tree(?::regclass) p WHERE p.isleaf))"
            + " AND pg_relation_filenode(c.oid) IS NOT NULL"
            + " ORDER BY n.nspname, c.relname",
        ps -> {
          ps.setString(1, table.sql());
          ps.setString(2, table.sql());
        },
        rs -> rs.getLong(1));
  }

  /** The manifest's section for these marks. */
  public BackupManifest.ResetEntry entry(boolean restartIdentity) {
    return new BackupManifest.ResetEntry(
        committedAt,
        xid,
        restartIdentity,
        textSettings,
        tables.stream()
            .map(
                m ->
                    new BackupManifest.ResetTableEntry(
                        m.table().display(),
                        m.table().schema(),
                        m.table().name(),
                        m.relfilenodes()))
            .toList());
  }

  /** The marks a manifest's reset section records. */
  public static ResetMarks of(BackupManifest.ResetEntry entry) {
    return new ResetMarks(
        entry.committedAt(),
        entry.xid(),
        entry.textSettings(),
        entry.tables().stream()
            .map(t -> new TableMark(new TableName(t.schema(), t.table()), t.relfilenodes()))
            .toList());
  }
}

package io.proddatareset.backup;

import io.proddatareset.catalog.SequenceRef;
import io.proddatareset.catalog.Table;
import io.proddatareset.pg.ServerInfo;
import io.proddatareset.pg.SessionSettings;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a backup records about its snapshot, read over the caller's transaction before the copy: the
 * server and database, the time, the sequences' values. Reading it also prepares the transaction:
 * {@code row_security} off, the copy's text settings ({@link SessionSettings#COPY_TEXT}, the
 * caller's values kept to put back), and ACCESS SHARE locks on every table.
 *
 * @param callerTextSettings the caller's values of {@link SessionSettings#COPY_TEXT}, put back
 *     after the copy
 * @param sequences by the sequence's SQL name, in table order
 */
record SnapshotFacts(
    String database,
    String serverVersion,
    int serverVersionNum,
    String systemIdentifier,
    String snapshotTime,
    String[] callerTextSettings,
    Map<String, BackupManifest.SequenceEntry> sequences) {

  /** Reads the facts, locks the tables and reads their sequences, in that order. */
  static SnapshotFacts read(Connection main, List<Table> tables) throws SQLException {
    String[] caller = SessionSettings.set(main, SessionSettings.COPY_TEXT);
    ServerInfo server = ServerInfo.read(main);
    SessionSettings.pin(main, "row_security", "off");
    lock(main, tables);
    return new SnapshotFacts(
        server.database(),
        server.version(),
        server.versionNum(),
        server.systemIdentifier(),
        server.clock().toString(),
        caller,
        sequences(main, tables));
  }

  /**
   * Takes ACCESS SHARE locks on every table first, as pg_dump does: once held, a session asking for
   * a table exclusively waits for the backup instead of the backup's own copies queueing behind it.
   * Waits as long as the transaction's lock timeout allows.
   */
  private static void lock(Connection main, List<Table> tables) throws SQLException {
    if (tables.isEmpty()) {
      return;
    }
    try (Statement st = main.createStatement()) {
      st.execute(
          "LOCK TABLE "
              + tables.stream().map(t -> t.name().sql()).collect(Collectors.joining(", "))
              + " IN ACCESS SHARE MODE");
    }
  }

  /**
   * Sequences are not transactional: their values are read now, at the start, which is at least
   * every value used by a row in the snapshot.
   */
  static Map<String, BackupManifest.SequenceEntry> sequences(Connection main, List<Table> tables)
      throws SQLException {
    Map<String, BackupManifest.SequenceEntry> sequences = new LinkedHashMap<>();
    for (Table t : tables) {
      for (SequenceRef s : t.sequences()) {
        String key = s.sql();
        if (sequences.containsKey(key)) {
          continue;
        }
        try (Statement st = main.createStatement();
            ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + s.sql())) {
          rs.next();
          sequences.put(
              key,
              new BackupManifest.SequenceEntry(
                  s.display(),
                  s.schema(),
                  s.name(),
                  t.name().display(),
                  rs.getLong(1),
                  rs.getBoolean(2)));
        }
      }
    }
    return sequences;
  }
}

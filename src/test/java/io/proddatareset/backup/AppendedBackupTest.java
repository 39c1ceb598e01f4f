package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A backup copied from a snapshot, with the rows written since appended later on another connection
 * as further COPY blocks (the reset's final phase): it restores as the source is at the end.
 */
class AppendedBackupTest {
  @TempDir Path dir;

  /** Teams and members: each team's lead is one of its members, a foreign key cycle. */
  static final String CYCLE_SCHEMA =
      "CREATE TABLE team (id bigserial PRIMARY KEY, name text NOT NULL, lead_id bigint);"
          + "CREATE TABLE member (id bigserial PRIMARY KEY,"
          + " team_id bigint NOT NULL REFERENCES team, name text NOT NULL);"
          + "ALTER TABLE team ADD FOREIGN KEY (lead_id) REFERENCES member"
          + " DEFERRABLE INITIALLY DEFERRED;";

  /** {@code teams} new teams, each with three members, the first its lead, in one transaction. */
  static void addTeams(TestDatabase db, int teams, String tag) {
    db.exec(
        "BEGIN",
        "WITH t AS (INSERT INTO team (name) SELECT '"
            + tag
            + " team ' || g FROM generate_series(1, "
            + teams
            + ") g RETURNING id)"
            + " INSERT INTO member (team_id, name) SELECT t.id, '"
            + tag
            + " member ' || m FROM t, generate_series(1, 3) m",
        "UPDATE team SET lead_id = (SELECT min(id) FROM member WHERE team_id = team.id)"
            + " WHERE lead_id IS NULL",
        "COMMIT");
  }

  /** The snapshot's transaction, its catalog read (which takes the snapshot). */
  record Snapshot(Connection conn, List<Table> tables) implements AutoCloseable {
    static Snapshot open(TestDatabase db) throws SQLException {
      Connection c = db.connect();
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      Catalog catalog = CatalogReader.read(c, List.of("public"));
      return new Snapshot(c, SnapshotBackup.loadOrder(catalog, catalog.tableNames()));
    }

    Table table(String name) {
      return tables.stream().filter(t -> t.name().name().equals(name)).findFirst().orElseThrow();
    }

    @Override
    public void close() throws SQLException {
      conn.rollback();
      conn.close();
    }
  }

  /** The reset's connection: READ COMMITTED, in a transaction. */
  static Connection readCommitted(TestDatabase db) throws SQLException {
    Connection c = db.connect();
    c.setAutoCommit(false);
    c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    return c;
  }

  static void lockShare(Connection c, List<Table> tables) throws SQLException {
    try (Statement st = c.createStatement()) {
      for (Table t : tables) {
        st.execute("LOCK TABLE " + t.name().sql() + " IN SHARE MODE");
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"teams.sql, 1", "teams.sql.gz, 2", "teams.sql.zst, 2"})
  void rowsWrittenAfterTheSnapshotAreAppendedAndTheFileRestoresTheEnd(String name, int jobs)
      throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(CYCLE_SCHEMA);
    addTeams(db, 50, "old");
    Path file = dir.resolve(name);
    BackupResult result;
    long maxTeam;
    long maxMember;
    try (Snapshot s = Snapshot.open(db)) {
      maxTeam = db.queryLong("SELECT max(id) FROM team");
      maxMember = db.queryLong("SELECT max(id) FROM member");
      // written after the snapshot, before its copy: the copy does not see them
      addTeams(db, 2, "early");
      BackupInProgress backup =
          BackupWriter.begin(
              s.conn(),
              db::connect,
              s.tables(),
              file,
              new BackupOptions(jobs, null, null, BackupProgress.NONE),
              BackupTuning.DEFAULT.withPartPages(1));
      try (backup) {
        assertThat(backup.rows(new TableName("public", "team"))).isEqualTo(50);
        assertThat(backup.rows(new TableName("public", "member"))).isEqualTo(150);
        // written while the copy's snapshot is still open
        addTeams(db, 3, "late");
        try (Connection t = readCommitted(db)) {
          lockShare(t, s.tables());
          assertThat(backup.append(t, s.table("team"), "id > " + maxTeam)).isEqualTo(5);
          assertThat(backup.append(t, s.table("member"), "id > " + maxMember)).isEqualTo(15);
          s.conn().rollback();
          result = backup.finish(t, List.of());
          t.commit();
        }
      }
    }
    assertThat(result.file()).exists();
    BackupManifest m = ManifestFile.read(result.manifestFile());
    assertThat(m.formatVersion()).isEqualTo(BackupManifest.APPENDED_FORMAT_VERSION);
    assertThat(m.tables())
        .extracting(
            BackupManifest.TableEntry::table,
            BackupManifest.TableEntry::rows,
            BackupManifest.TableEntry::appendedRows,
            BackupManifest.TableEntry::blockCount)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("team", 55L, 5L, 2),
            org.assertj.core.groups.Tuple.tuple("member", 165L, 15L, 2));

    Map<String, List<String>> end = db.snapshot();
    Map<String, String> sequences = db.sequences();
    RoundTrips.emptyEverything(db);
    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("165");
    assertThat(db.snapshot()).isEqualTo(end);
    assertThat(db.sequences()).isEqualTo(sequences);
  }
}

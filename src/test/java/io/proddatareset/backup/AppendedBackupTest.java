package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A backup copied from a snapshot, with the rows written since appended later on another connection
 * as further COPY blocks (the reset's final phase): it restores what the source holds at the end,
 * with {@code restore} and with {@code psql -f}; a damaged or unwritable appended block leaves
 * nothing behind.
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

  /** The same without the key from team to member: what psql -f loads one COPY at a time. */
  static final String TREE_SCHEMA =
      "CREATE TABLE team (id bigserial PRIMARY KEY, name text NOT NULL, lead_id bigint);"
          + "CREATE TABLE member (id bigserial PRIMARY KEY,"
          + " team_id bigint NOT NULL REFERENCES team, name text NOT NULL);";

  /** A kept table's fingerprint, as the reset takes it under its locks. */
  private static final BackupManifest.KeptEntry KEPT =
      new BackupManifest.KeptEntry("public.settings", "public", "settings", 3, "abc123");

  private static final TableName TEAM = new TableName("public", "team");
  private static final TableName MEMBER = new TableName("public", "member");

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

  /** The snapshot's transaction, and its catalog (whose reading takes the snapshot). */
  record Snapshot(Connection conn, List<Table> tables) implements AutoCloseable {
    static Snapshot open(TestDatabase db) throws SQLException {
      Connection c = db.connect();
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      Catalog catalog = CatalogReader.read(c, List.of("public"));
      return new Snapshot(c, SnapshotBackup.loadOrder(catalog, catalog.tableNames()));
    }

    Table table(TableName name) {
      return tables.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    @Override
    public void close() throws SQLException {
      if (!conn.isClosed()) {
        conn.rollback();
        conn.close();
      }
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

  private static BackupOptions jobs(int jobs) {
    return new BackupOptions(jobs, null, null, BackupProgress.NONE);
  }

  /**
   * 50 teams before the snapshot; 2 after it, before the copy; 3 during the copy's snapshot; the 5
   * new teams (15 members) appended on a READ COMMITTED connection holding SHARE locks.
   */
  private BackupResult appendedBackup(TestDatabase db, Path file, int jobs, BackupTuning tuning)
      throws SQLException {
    addTeams(db, 50, "old");
    try (Snapshot s = Snapshot.open(db)) {
      long maxTeam = db.queryLong("SELECT max(id) FROM team");
      long maxMember = db.queryLong("SELECT max(id) FROM member");
      addTeams(db, 2, "early");
      try (BackupInProgress backup =
          BackupWriter.begin(s.conn(), db::connect, s.tables(), file, jobs(jobs), tuning)) {
        assertThat(backup.rows(TEAM)).isEqualTo(50);
        assertThat(backup.rows(MEMBER)).isEqualTo(150);
        addTeams(db, 3, "late");
        try (Connection t = readCommitted(db)) {
          lockShare(t, s.tables());
          assertThat(backup.append(t, s.table(TEAM), "id > " + maxTeam)).isEqualTo(5);
          assertThat(backup.append(t, s.table(MEMBER), "id > " + maxMember)).isEqualTo(15);
          assertThat(backup.rows(TEAM)).isEqualTo(55);
          assertThat(backup.rows(MEMBER)).isEqualTo(165);
          s.conn().rollback();
          BackupResult result = backup.finish(t, List.of(KEPT));
          t.commit();
          return result;
        }
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"teams.sql, 1", "teams.sql.gz, 2", "teams.sql.zst, 2"})
  void rowsWrittenAfterTheSnapshotAreAppendedAndTheFileRestoresTheEnd(String name, int jobs)
      throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(CYCLE_SCHEMA);
    Path file = dir.resolve(name);
    BackupResult result = appendedBackup(db, file, jobs, BackupTuning.DEFAULT.withPartPages(1));

    assertThat(result.file()).exists();
    BackupManifest m = ManifestFile.read(result.manifestFile());
    assertThat(m.formatVersion()).isEqualTo(BackupManifest.APPENDED_FORMAT_VERSION);
    assertThat(m.tables())
        .extracting(
            BackupManifest.TableEntry::table,
            BackupManifest.TableEntry::rows,
            BackupManifest.TableEntry::appendedRows,
            BackupManifest.TableEntry::blockCount)
        .containsExactlyInAnyOrder(tuple("team", 55L, 5L, 2), tuple("member", 165L, 15L, 2));
    assertThat(m.kept()).containsExactly(KEPT);
    if (jobs > 1 && TestPostgres.majorVersion() >= 14) {
      // the first block copied in parts, by ctid ranges, and a block appended after it
      assertThat(m.tables()).anySatisfy(t -> assertThat(t.parts()).hasSizeGreaterThan(1));
    }
    // a table's checksum covers its blocks' data one after the other
    for (BackupManifest.TableEntry t : m.tables()) {
      assertThat(t.blocks())
          .extracting(BackupManifest.BlockEntry::rows)
          .containsExactly(t.rows() - t.appendedRows(), t.appendedRows());
    }

    Map<String, List<String>> end = db.snapshot();
    Map<String, String> sequences = db.sequences();
    RoundTrips.emptyEverything(db);
    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).containsPattern("public\\.member +165 rows");
    assertThat(db.snapshot()).isEqualTo(end);
    assertThat(db.sequences()).isEqualTo(sequences);
  }

  @Test
  void dryRunShowsEachTablesRowsOfAllItsBlocks() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(CYCLE_SCHEMA);
    Path file = dir.resolve("teams.sql.gz");
    appendedBackup(db, file, 1, BackupTuning.DEFAULT);
    RoundTrips.emptyEverything(db);

    Cli.Result r = RoundTrips.restore(db, file, "--dry-run");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("It would load 2 tables, 220 rows (the file was read and matches its manifest)")
        .containsPattern("public\\.team +55 rows  target empty")
        .containsPattern("public\\.member +165 rows  target empty");
  }

  @Test
  void withoutItsManifestTheFileRestoresAsAPgDumpFileWould() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(CYCLE_SCHEMA);
    Path file = dir.resolve("teams.sql");
    BackupResult result = appendedBackup(db, file, 2, BackupTuning.DEFAULT);
    Files.delete(result.manifestFile());
    Map<String, List<String>> end = db.snapshot();
    RoundTrips.emptyEverything(db);

    Cli.Result dry = RoundTrips.restore(db, file, "--dry-run");
    assertThat(dry.exitCode()).as(dry.toString()).isZero();
    assertThat(dry.out()).containsPattern("public\\.member +165 rows  target empty");
    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(end);
  }

  @Test
  void aFileWithoutItsAppendedBlockIsRefusedByItsManifest() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(CYCLE_SCHEMA);
    Path file = dir.resolve("teams.sql");
    appendedBackup(db, file, 1, BackupTuning.DEFAULT);
    // the second COPY block of member cut out: the rest of the file is as written
    String text = Files.readString(file);
    int first = text.indexOf("COPY public.member");
    int second = text.indexOf("COPY public.member", first + 1);
    int start = text.lastIndexOf("--\n-- Data for Name", second);
    int end = text.indexOf("\\.\n", second) + 3;
    assertThat(second).isPositive();
    Files.writeString(file, text.substring(0, start) + text.substring(end));
    RoundTrips.emptyEverything(db);
    Map<String, List<String>> empty = db.snapshot();

    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.err()).contains("public.member: 1 COPY block in the file, 2 in the manifest");
    assertThat(db.snapshot()).isEqualTo(empty);
  }

  @Test
  void psqlRestoresAnAppendedBackup() throws Exception {
    assumeTrue(PsqlCompatibilityTest.onPath("psql"), "psql is not installed");
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(TREE_SCHEMA);
    Path file = dir.resolve("teams.sql");
    appendedBackup(db, file, 2, BackupTuning.DEFAULT);
    Map<String, List<String>> end = db.snapshot();
    Map<String, String> sequences = db.sequences();
    RoundTrips.emptyEverything(db);

    Process p =
        new ProcessBuilder(
                "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "localhost",
                "-p",
                Integer.toString(db.port()),
                "-U",
                "postgres",
                "-d",
                db.name(),
                "-f",
                file.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(db.snapshot()).isEqualTo(end);
    assertThat(db.sequences()).isEqualTo(sequences);
  }

  @Test
  void aTableWithoutNewRowsGetsNoFurtherBlock() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(CYCLE_SCHEMA);
    addTeams(db, 4, "old");
    Path file = dir.resolve("teams.sql.zst");
    BackupResult result;
    try (Snapshot s = Snapshot.open(db);
        BackupInProgress backup =
            BackupWriter.begin(s.conn(), db::connect, s.tables(), file, jobs(1));
        Connection t = readCommitted(db)) {
      assertThat(backup.append(t, s.table(TEAM), "false")).isZero();
      assertThat(backup.append(t, s.table(MEMBER), "id > 1000")).isZero();
      result = backup.finish(t, null);
      t.commit();
    }
    BackupManifest m = ManifestFile.read(result.manifestFile());
    // nothing appended in a block: a file an older reader reads as it always did
    assertThat(m.formatVersion()).isEqualTo(BackupManifest.FORMAT_VERSION);
    assertThat(m.tables())
        .extracting(
            BackupManifest.TableEntry::table,
            BackupManifest.TableEntry::rows,
            BackupManifest.TableEntry::appendedRows,
            BackupManifest.TableEntry::blocks)
        .containsExactlyInAnyOrder(tuple("team", 4L, 0L, null), tuple("member", 12L, 0L, null));
    Map<String, List<String>> end = db.snapshot();
    RoundTrips.emptyEverything(db);
    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(end);
  }

  @Test
  void anInheritanceParentAppendsOnlyItsOwnRows() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE event (id bigserial PRIMARY KEY, what text)",
        "CREATE TABLE login_event (who text) INHERITS (event)",
        "INSERT INTO event (what) VALUES ('a'), ('b')",
        "INSERT INTO login_event (what, who) VALUES ('login', 'ann')");
    Path file = dir.resolve("events.sql");
    BackupResult result;
    try (Snapshot s = Snapshot.open(db)) {
      try (BackupInProgress backup =
          BackupWriter.begin(s.conn(), db::connect, s.tables(), file, jobs(1))) {
        db.exec(
            "INSERT INTO event (what) VALUES ('c')",
            "INSERT INTO login_event (what, who) VALUES ('login', 'bob')");
        try (Connection t = readCommitted(db)) {
          assertThat(backup.append(t, s.table(new TableName("public", "event")), "id > 3"))
              .isEqualTo(1);
          assertThat(backup.append(t, s.table(new TableName("public", "login_event")), "id > 3"))
              .isEqualTo(1);
          result = backup.finish(t, null);
          t.commit();
        }
      }
    }
    assertThat(ManifestFile.read(result.manifestFile()).tables())
        .extracting(BackupManifest.TableEntry::table, BackupManifest.TableEntry::rows)
        .containsExactlyInAnyOrder(tuple("event", 3L), tuple("login_event", 2L));
    Map<String, List<String>> end = db.snapshot();
    RoundTrips.emptyEverything(db);
    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(end);
  }

  /**
   * The caller's transaction has text settings that would write values that read back differently
   * (or not at all): the append writes as pg_dump does, and puts the caller's settings back.
   */
  @Test
  void appendWritesWithPgDumpsSettingsAndPutsTheCallersBack() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE SCHEMA other",
        "CREATE TABLE other.target (id int)",
        "CREATE TABLE measure (id int PRIMARY KEY, span interval, x float8, rel regclass,"
            + " note text)",
        "CREATE TABLE part (id int, v text) PARTITION BY RANGE (id)",
        "CREATE TABLE part_low PARTITION OF part FOR VALUES FROM (0) TO (100)",
        "CREATE TABLE part_high PARTITION OF part FOR VALUES FROM (100) TO (1000)",
        "INSERT INTO measure VALUES (1, '1 day', 1.5, 'other.target', 'old')",
        "INSERT INTO part VALUES (1, 'old'), (150, 'old')");
    Path file = dir.resolve("measure.sql");
    BackupResult result;
    try (Snapshot s = Snapshot.open(db)) {
      List<Table> tables =
          s.tables().stream().filter(t -> !t.name().schema().equals("other")).toList();
      try (BackupInProgress backup =
          BackupWriter.begin(s.conn(), db::connect, tables, file, jobs(1))) {
        db.exec(
            "INSERT INTO measure VALUES (2, '-1 day +2 hours', 0.1::float8 + 0.2,"
                + " 'other.target', E'tab\\there\\nline \\\\ end'), (3, NULL, NULL, NULL,"
                + " NULL)",
            "INSERT INTO part VALUES (2, 'new'), (200, 'new')");
        try (Connection t = readCommitted(db);
            Statement st = t.createStatement()) {
          st.execute("SET LOCAL intervalstyle = 'sql_standard'");
          st.execute("SET LOCAL extra_float_digits = 0");
          st.execute("SET LOCAL search_path = other, public");
          assertThat(backup.append(t, s.table(new TableName("public", "measure")), "id > 1"))
              .isEqualTo(2);
          // a condition on system columns, through the partitions of a partitioned table
          assertThat(
                  backup.append(
                      t,
                      s.table(new TableName("public", "part")),
                      "v = 'new' AND NOT (xmin = '0'::xid)"))
              .isEqualTo(2);
          try (var rs =
              st.executeQuery(
                  "SELECT current_setting('intervalstyle'), current_setting('extra_float_digits'),"
                      + " current_setting('search_path'), current_setting('row_security')")) {
            rs.next();
            assertThat(List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)))
                .containsExactly("sql_standard", "0", "other, public", "on");
          }
          result = backup.finish(t, null);
          t.commit();
        }
      }
    }
    assertThat(ManifestFile.read(result.manifestFile()).tables())
        .extracting(BackupManifest.TableEntry::table, BackupManifest.TableEntry::rows)
        .containsExactlyInAnyOrder(tuple("measure", 3L), tuple("part", 4L));
    Map<String, List<String>> end = db.snapshot();
    db.exec("TRUNCATE measure, part");
    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(end);
  }

  @Test
  void aDamagedAppendedBlockFailsTheCheckAndNothingIsLeft() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(CYCLE_SCHEMA);
    // the disk gives back one byte other than was written, in an appended row only
    AtomicBoolean damaged = new AtomicBoolean();
    BackupTuning damaging =
        BackupTuning.DEFAULT.withReadBack(in -> new Damaging(in, "late member 2", damaged));
    Path file = dir.resolve("teams.sql");
    assertThatThrownBy(() -> appendedBackup(db, file, 2, damaging))
        .isInstanceOfSatisfying(
            ExitException.class,
            e -> {
              // the backup failed its check: refused (3), the reset would roll back
              assertThat(e.status()).isEqualTo(ExitStatus.REFUSED);
              assertThat(e.getMessage())
                  .contains("did not read back as it was written")
                  .contains("public.member: COPY block 2's rows or SHA-256 differ")
                  .contains("removed")
                  .doesNotContain("\n");
            });
    assertThat(damaged).isTrue();
    assertThat(listDir(dir)).isEmpty();
  }

  @Test
  void aFailedAppendRemovesTheFileAndEndsTheBackup() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(CYCLE_SCHEMA);
    addTeams(db, 4, "old");
    Path file = dir.resolve("teams.sql.gz");
    try (Snapshot s = Snapshot.open(db);
        BackupInProgress backup =
            BackupWriter.begin(s.conn(), db::connect, s.tables(), file, jobs(2));
        Connection t = readCommitted(db)) {
      assertThat(listDir(dir)).hasSize(1).allMatch(n -> n.endsWith(".partial"));
      assertThatThrownBy(() -> backup.append(t, s.table(TEAM), "no_such_column > 1"))
          .isInstanceOfSatisfying(
              ExitException.class,
              e -> {
                assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
                assertThat(e.getMessage())
                    .contains("failed while appending the rows of public.team")
                    .contains("no_such_column")
                    .contains("The partial file was removed");
              });
      assertThat(listDir(dir)).isEmpty();
      t.rollback();
      assertThatThrownBy(() -> backup.append(t, s.table(MEMBER), "true"))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> backup.finish(t, null)).isInstanceOf(IllegalStateException.class);
    }
    assertThat(listDir(dir)).isEmpty();
  }

  @Test
  void closingAnUnfinishedBackupRemovesItsPartialFile() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(CYCLE_SCHEMA);
    addTeams(db, 4, "old");
    Path file = dir.resolve("teams.sql");
    try (Snapshot s = Snapshot.open(db);
        BackupInProgress backup =
            BackupWriter.begin(s.conn(), db::connect, s.tables(), file, jobs(1));
        Connection t = readCommitted(db)) {
      backup.append(t, s.table(TEAM), "true");
      assertThat(listDir(dir)).hasSize(1);
    }
    assertThat(listDir(dir)).isEmpty();
  }

  /**
   * The disk fills up after the copy, while rows are appended: a small tmpfs of our own, filled by
   * another file (skipped where this process cannot mount one).
   */
  @Test
  void aFullDiskWhileAppendingLeavesNoFile() throws Exception {
    Path mount = dir.resolve("small");
    Files.createDirectories(mount);
    assumeTrue(
        run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount.toString()),
        "cannot mount a tmpfs here (needs root)");
    try {
      TestDatabase db = TestPostgres.freshDatabase();
      db.exec(CYCLE_SCHEMA);
      addTeams(db, 50, "old");
      Path file = mount.resolve("teams.sql");
      try (Snapshot s = Snapshot.open(db);
          BackupInProgress backup =
              BackupWriter.begin(s.conn(), db::connect, s.tables(), file, jobs(2));
          Connection t = readCommitted(db)) {
        addTeams(db, 5000, "late");
        fill(mount.resolve("filler"));
        assertThatThrownBy(
                () -> {
                  backup.append(t, s.table(TEAM), "id > 50");
                  backup.append(t, s.table(MEMBER), "id > 150");
                  backup.finish(t, null);
                })
            .isInstanceOfSatisfying(
                ExitException.class,
                e -> {
                  assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
                  assertThat(e.getMessage())
                      .contains("No space left on device")
                      .contains("The partial file was removed")
                      .doesNotContain("\n");
                });
      }
      assertThat(listDir(mount)).containsExactly("filler");
    } finally {
      run("umount", mount.toString());
    }
  }

  /** Writes {@code file} until the disk it is on is full. */
  private static void fill(Path file) throws IOException {
    byte[] chunk = new byte[4096];
    try (var out = Files.newOutputStream(file)) {
      while (true) {
        out.write(chunk);
        out.flush();
      }
    } catch (IOException full) {
      assertThat(full.getMessage()).contains("No space left on device");
    }
  }

  private static boolean run(String... command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  private static List<String> listDir(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Changes the first byte of {@code text} where it is read back, once. */
  private static final class Damaging extends FilterInputStream {
    private final byte[] text;
    private final AtomicBoolean damaged;

    Damaging(InputStream in, String text, AtomicBoolean damaged) {
      super(in);
      this.text = text.getBytes(StandardCharsets.UTF_8);
      this.damaged = damaged;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0 && !damaged.get()) {
        for (int i = off; i + text.length <= off + n; i++) {
          if (java.util.Arrays.equals(b, i, i + text.length, text, 0, text.length)) {
            b[i] = (byte) 'L';
            damaged.set(true);
            break;
          }
        }
      }
      return n;
    }
  }
}

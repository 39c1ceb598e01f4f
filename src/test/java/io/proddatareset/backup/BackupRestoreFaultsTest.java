package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.connect.TargetParser;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures leave nothing behind: no partial file, no changed table, one clear line. */
class BackupRestoreFaultsTest {
  @TempDir Path dir;

  @Test
  void fullDiskFailsWithOneLine() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Cli.Result r = RoundTrips.backup(db, Path.of("/dev/full"), "--all");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("No space left on device").doesNotContain("Exception");
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(Files.exists(Path.of("/dev/full.manifest.json"))).isFalse();
  }

  /** A path that cannot be used is bad input (exit 2): another name or directory is the fix. */
  @Test
  void unwritableOrMissingDirectoryAndExistingFile() throws IOException {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Cli.Result missing = RoundTrips.backup(db, dir.resolve("no/such/dir/b.sql"), "--all");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("does not exist");

    Cli.Result proc = RoundTrips.backup(db, Path.of("/proc/pdr-backup.sql"), "--all");
    assertThat(proc.exitCode()).as(proc.toString()).isEqualTo(2);
    assertThat(proc.err())
        .contains("Cannot write the backup in /proc")
        .contains("Nothing was written");
    assertThat(proc.err().strip().lines()).hasSize(1);

    Path existing = Files.writeString(dir.resolve("old.sql"), "keep me");
    Cli.Result exists = RoundTrips.backup(db, existing, "--all");
    assertThat(exists.exitCode()).as(exists.toString()).isEqualTo(2);
    assertThat(exists.err()).contains("already exists").contains("choose another name");

    Path manifestOnly = dir.resolve("new.sql");
    Files.writeString(ManifestFile.pathFor(manifestOnly), "{}");
    Cli.Result manifestExists = RoundTrips.backup(db, manifestOnly, "--all");
    assertThat(manifestExists.exitCode()).as(manifestExists.toString()).isEqualTo(2);
    assertThat(manifestExists.err()).contains("new.sql.manifest.json already exists");
    Files.delete(ManifestFile.pathFor(manifestOnly));
    assertThat(Files.readString(existing)).isEqualTo("keep me");
    assertThat(listDir()).containsExactly("old.sql");
  }

  @Test
  void connectionTerminatedMidBackupLeavesNothing() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Path file = dir.resolve("cut.sql.gz");
    // many parts, so that work remains after the cut
    BackupTuning manyParts = BackupTuning.DEFAULT.withPartPages(1);
    for (int jobs : new int[] {1, 2}) {
      java.util.concurrent.CountDownLatch cut = new java.util.concurrent.CountDownLatch(1);
      AtomicBoolean first = new AtomicBoolean(true);
      BackupProgress killer =
          new BackupProgress() {
            @Override
            public void copied(TableName table, long rows, long bytes) {
              if (rows == 0) {
                return;
              }
              if (first.compareAndSet(true, false)) {
                // once a part's data is in, cut every connection of the backup
                db.exec(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE application_name = 'prod-data-reset'"
                        + " AND datname = current_database()");
                waitUntilGone(db);
                cut.countDown();
              } else {
                // other workers wait for the cut, so that they still have parts to copy
                try {
                  cut.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            }

            @Override
            public void phase(String description) {}
          };
      assertThatThrownBy(
              () ->
                  new SnapshotBackup(
                          new Connector(TargetParser.parse(db.url())),
                          List.of("public"),
                          SnapshotBackup.allTables(),
                          BackupDestination.file(file),
                          new BackupOptions(jobs, null, null, killer),
                          manyParts)
                      .run())
          .as("jobs %d", jobs)
          .isInstanceOfSatisfying(
              ExitException.class,
              e -> {
                assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
                assertThat(e.getMessage())
                    .startsWith("Backup to " + file + " failed while writing")
                    .contains("partial file was removed")
                    .doesNotContain("\n");
              });
      assertThat(cut.getCount()).isZero();
      assertThat(listDir()).isEmpty();
    }
  }

  @Test
  void aWorkerQueuedBehindAnExclusiveLockRequestGivesUpInsteadOfHanging() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Path file = dir.resolve("locked.sql");
    List<String> tables =
        db.queryStrings("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    BackupTuning shortWait =
        BackupTuning.DEFAULT.withWorkerLockTimeout(java.time.Duration.ofSeconds(1));
    List<java.sql.Connection> blockers = new java.util.ArrayList<>();
    List<Thread> waiting = new java.util.ArrayList<>();
    AtomicBoolean first = new AtomicBoolean(true);
    java.util.concurrent.CountDownLatch requested = new java.util.concurrent.CountDownLatch(1);
    try {
      BackupProgress lockEverything =
          new BackupProgress() {
            @Override
            public void copied(TableName table, long rows, long bytes) {
              if (rows == 0) {
                return;
              }
              if (!first.compareAndSet(true, false)) {
                // the other thread waits until the locks are requested, with parts still to copy
                try {
                  requested.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                return;
              }
              // other sessions ask for each table exclusively: they queue behind the backup's
              // own ACCESS SHARE locks, and the workers' lock requests queue behind them
              for (String t : tables) {
                java.sql.Connection c = db.connect();
                blockers.add(c);
                Thread th =
                    new Thread(
                        () -> {
                          try (var st = c.createStatement()) {
                            c.setAutoCommit(false);
                            st.execute("LOCK TABLE " + t + " IN ACCESS EXCLUSIVE MODE");
                          } catch (java.sql.SQLException ignored) {
                            // cancelled at the end of the test
                          }
                        });
                th.start();
                waiting.add(th);
              }
              try {
                for (int i = 0; i < 500; i++) {
                  if (db.queryLong(
                          "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock'"
                              + " AND locktype = 'relation' AND database ="
                              + " (SELECT oid FROM pg_database WHERE datname = current_database())")
                      >= tables.size()) {
                    return;
                  }
                  Thread.sleep(10);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                requested.countDown();
              }
            }

            @Override
            public void phase(String description) {}
          };
      long started = System.nanoTime();
      assertThatThrownBy(
              () ->
                  new SnapshotBackup(
                          new Connector(TargetParser.parse(db.url())),
                          List.of("public"),
                          SnapshotBackup.allTables(),
                          BackupDestination.file(file),
                          new BackupOptions(2, null, null, lockEverything),
                          shortWait)
                      .run())
          .isInstanceOfSatisfying(
              ExitException.class,
              e -> assertThat(e.getMessage()).contains("could not lock it within 1s"));
      assertThat(System.nanoTime() - started).isLessThan(20_000_000_000L);
      assertThat(listDir()).isEmpty();
    } finally {
      for (java.sql.Connection c : blockers) {
        c.unwrap(org.postgresql.PGConnection.class).cancelQuery();
      }
      for (Thread t : waiting) {
        t.join(10_000);
      }
      for (java.sql.Connection c : blockers) {
        c.close();
      }
    }
  }

  @Test
  void corruptedByteIsRefusedWithNothingChanged() throws IOException {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    for (String name : List.of("pm.sql", "pm.sql.gz")) {
      Path file = dir.resolve(name);
      assertThat(RoundTrips.backup(db, file, "--all").exitCode()).isZero();
    }
    RoundTrips.emptyEverything(db);
    Map<String, List<String>> empty = db.snapshot();

    // one digit of a row changed: the same number of rows, other content
    Path plain = dir.resolve("pm.sql");
    byte[] bytes = Files.readAllBytes(plain);
    String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = text.indexOf('\n', text.indexOf("COPY public.raw_notes")) + 1;
    while (!Character.isDigit(bytes[at])) {
      at++;
    }
    bytes[at] = (byte) (bytes[at] == '9' ? '8' : bytes[at] + 1);
    Files.write(plain, bytes);
    Cli.Result r = RoundTrips.restore(db, plain);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.err()).contains("public.raw_notes").contains("SHA-256").contains("rolled back");
    assertThat(db.snapshot()).isEqualTo(empty);

    // a byte in the middle of the compressed stream
    Path gz = dir.resolve("pm.sql.gz");
    byte[] zipped = Files.readAllBytes(gz);
    zipped[zipped.length / 2] ^= 0x5a;
    Files.write(gz, zipped);
    Cli.Result z = RoundTrips.restore(db, gz);
    assertThat(z.exitCode()).as(z.toString()).isEqualTo(3);
    assertThat(z.err()).contains("error: ").contains("rolled back");
    assertThat(db.snapshot()).isEqualTo(empty);
  }

  /**
   * A session holds a table the restore loads: the restore's exclusive lock is tried in short
   * attempts and given up within --lock-timeout, naming that session, nothing changed; meanwhile
   * the app's readers of that table never queue behind the waiting lock for more than an attempt.
   */
  @Test
  void aTableLockedByAnotherSessionMakesRestoreGiveUpWithNothingChanged() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("pm.sql");
    assertThat(RoundTrips.backup(db, file, "--all").exitCode()).isZero();
    RoundTrips.emptyEverything(db);
    Map<String, List<String>> empty = db.snapshot();
    java.util.concurrent.atomic.AtomicLong longest = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    try (java.sql.Connection other =
            db.holding("the-app", "LOCK TABLE raw_notes IN ACCESS SHARE MODE");
        java.sql.Connection app = db.connect()) {
      int pid = other.unwrap(org.postgresql.PGConnection.class).getBackendPID();
      // the app reads raw_notes every 10 ms and keeps its longest wait
      Thread reader =
          new Thread(
              () -> {
                try (var st = app.createStatement()) {
                  while (!stop.get()) {
                    long t = System.nanoTime();
                    st.executeQuery("SELECT count(*) FROM raw_notes").close();
                    longest.accumulateAndGet((System.nanoTime() - t) / 1_000_000, Math::max);
                    Thread.sleep(10);
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      reader.start();
      long started = System.nanoTime();
      Cli.Result r = RoundTrips.restore(db, file, "--lock-timeout", "3s");
      long millis = (System.nanoTime() - started) / 1_000_000;
      stop.set(true);
      reader.join();
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err())
          .contains("in ACCESS EXCLUSIVE mode within 3s (")
          .contains(" attempts): blocked by pid " + pid + " on public.raw_notes")
          .contains("Nothing was changed");
      assertThat(millis).isLessThan(3000 + 5000);
      // a single LOCK TABLE waiting 3 s would have held the reader up for all of it
      assertThat(longest.get()).as(r.toString()).isLessThan(1000);
      other.rollback();
    }
    assertThat(db.snapshot()).isEqualTo(empty);
  }

  @Test
  void nonEmptyTargetTableIsRefusedNamingIt() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("pm.sql");
    assertThat(RoundTrips.backup(db, file, "--all").exitCode()).isZero();
    RoundTrips.emptyEverything(db);
    db.exec(
        "INSERT INTO users (email) VALUES ('still@here.example')",
        "INSERT INTO schema_migrations (version) VALUES ('1')");
    Map<String, List<String>> before = db.snapshot();

    Cli.Result r = RoundTrips.restore(db, file);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.err())
        .contains("public.schema_migrations, public.users")
        .contains("--only")
        .doesNotContain("public.projects");
    assertThat(db.snapshot()).isEqualTo(before);

    // the tables that are empty can be restored alone, but their foreign keys are checked:
    // projects references users, whose rows are not the backed-up ones
    Cli.Result only = RoundTrips.restore(db, file, "--only", "projects,tags");
    assertThat(only.exitCode()).as(only.toString()).isEqualTo(1);
    assertThat(only.err()).contains("projects_owner_id_fkey").contains("rolled back");
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void connectionTerminatedMidRestoreChangesNothing() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Path file = dir.resolve("pm.sql");
    Cli.Result b = RoundTrips.backup(db, file, "--all");
    assertThat(b.exitCode()).as(b.toString()).isZero();
    RoundTrips.emptyEverything(db);
    Map<String, List<String>> empty = db.snapshot();
    String schemaState =
        "SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)"
            + " FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
            + " UNION ALL SELECT tgrelid::regclass || ' ' || tgname || ' ' || tgenabled::text"
            + " FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1";
    List<String> schemaBefore = db.queryStrings(schemaState);
    Restorer.Contents contents = Restorer.inspect(file);

    // cut the restore's connection while it sends a table's rows, and again once every table is
    // loaded, with the foreign keys dropped and the triggers disabled inside its transaction
    for (String when : List.of("loading", "analyzing and validating foreign keys")) {
      AtomicBoolean cut = new AtomicBoolean(false);
      Runnable kill =
          () -> {
            db.exec(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE application_name = 'prod-data-reset'"
                    + " AND datname = current_database()");
            waitUntilGone(db);
          };
      BackupProgress killer =
          new BackupProgress() {
            @Override
            public void copied(TableName table, long rows, long bytes) {
              if (when.equals("loading") && bytes > 0 && cut.compareAndSet(false, true)) {
                kill.run();
              }
            }

            @Override
            public void phase(String description) {
              if (description.equals(when)
                  && !when.equals("loading")
                  && cut.compareAndSet(false, true)) {
                kill.run();
              }
            }
          };
      try (java.sql.Connection c = new Connector(TargetParser.parse(db.url())).open()) {
        assertThatThrownBy(
                () ->
                    Restorer.restore(
                        c,
                        contents,
                        new RestoreOptions(null, java.time.Duration.ofSeconds(5), killer)))
            .as(when)
            .isInstanceOfSatisfying(
                ExitException.class,
                e -> {
                  assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
                  assertThat(e.getMessage())
                      .startsWith("Restore failed")
                      .contains("Nothing was changed")
                      .doesNotContain("\n");
                });
      }
      assertThat(cut).as(when).isTrue();
      assertThat(db.snapshot()).as(when).isEqualTo(empty);
      assertThat(db.queryStrings(schemaState)).as(when).isEqualTo(schemaBefore);
    }
  }

  private static void waitUntilGone(TestDatabase db) {
    for (int i = 0; i < 200; i++) {
      if (db.queryLong(
              "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'prod-data-reset'"
                  + " AND datname = current_database()")
          == 0) {
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private List<String> listDir() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}

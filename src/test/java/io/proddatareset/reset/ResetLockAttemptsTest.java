package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;

/**
 * The reset takes its locks in short attempts (issue 12): a session holding a table makes it give
 * up within {@code --lock-timeout}, naming that session, before anything is written, while the
 * app's readers never queue behind it for long; a lock let go in time is taken on a later attempt.
 */
class ResetLockAttemptsTest {
  static final String POLICY = ResetCommandTest.POLICY.toString();
  @TempDir Path dir;

  Cli.Result reset(TestDatabase db, String lockTimeout) {
    return new Cli()
        .env("XDG_STATE_HOME", dir.resolve("state").toString())
        .run(
            "reset",
            db.url(),
            "--policy",
            POLICY,
            "--backup",
            dir.resolve("backup.sql").toString(),
            "--confirm",
            db.name(),
            "--lock-timeout",
            lockTimeout);
  }

  /** A session named {@code application} in the middle of a transaction that ran {@code sql}. */
  static Connection holding(TestDatabase db, String application, String sql) {
    return db.holding(application, sql);
  }

  static int pid(Connection c) throws Exception {
    return c.unwrap(PGConnection.class).getBackendPID();
  }

  /** An app reader of {@code entities} by id, every ~10 ms, that keeps its longest wait. */
  static final class Reader implements AutoCloseable {
    final AtomicLong longestMillis = new AtomicLong();
    final AtomicInteger reads = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final CompletableFuture<Void> running;

    Reader(TestDatabase db) {
      Connection c = db.connect();
      running =
          CompletableFuture.runAsync(
              () -> {
                try (c;
                    PreparedStatement ps =
                        c.prepareStatement("SELECT title FROM entities WHERE id = ?")) {
                  while (!stop.get()) {
                    ps.setLong(1, 1 + reads.get() % 5);
                    long t = System.nanoTime();
                    ps.executeQuery().close();
                    longestMillis.accumulateAndGet((System.nanoTime() - t) / 1_000_000, Math::max);
                    reads.incrementAndGet();
                    Thread.sleep(10);
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
    }

    @Override
    public void close() throws Exception {
      stop.set(true);
      running.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aSessionHoldingAResetTableMakesItGiveUpBeforeTheBackupWhileReadersGoOn() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("held").loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    try (Connection holder =
            holding(db, "long-reader", "SELECT count(*) FROM entities WHERE 'secret-xyz' <> ''");
        Reader reader = new Reader(db)) {
      long start = System.nanoTime();
      Cli.Result r = reset(db, "3s");
      long millis = (System.nanoTime() - start) / 1_000_000;
      reader.close();

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err())
          .contains(
              "Could not lock the 10 reset tables in ACCESS EXCLUSIVE mode within 3s (",
              " attempts): blocked by pid " + pid(holder) + " on public.entities (user postgres,",
              "application 'long-reader', idle in transaction for ",
              "SELECT count(*) FROM entities WHERE ? <> ?",
              "Nothing was changed and no backup was written (this is checked before the backup);")
          .doesNotContain("secret-xyz")
          .doesNotContain("Backing up");
      assertThat(millis).as(r.toString()).isLessThan(3000 + 2000);
      // the old reset's TRUNCATE queued every reader behind it for the whole lock timeout
      assertThat(reader.reads.get()).isGreaterThan(20);
      assertThat(reader.longestMillis.get()).as(r.toString()).isLessThan(1000);
      holder.rollback();
    }
    assertThat(db.snapshot()).isEqualTo(before);
    assertNoBackupFiles();
  }

  @Test
  void aWriterHoldingAKeptTableMakesTheShareAttemptsGiveUpNamingIt() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("keptheld").loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    try (Connection writer =
        holding(db, "kept-writer", "INSERT INTO users (email) VALUES ('new@example.com')")) {
      long start = System.nanoTime();
      Cli.Result r = reset(db, "2s");
      long millis = (System.nanoTime() - start) / 1_000_000;

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err())
          .contains(
              "Could not lock the 3 kept tables in SHARE mode within 2s (",
              "blocked by pid " + pid(writer) + " on public.users (",
              "application 'kept-writer'",
              "INSERT INTO users (email) VALUES (?)",
              "Nothing was changed and no backup was written")
          .doesNotContain("new@example.com")
          .doesNotContain("Backing up");
      assertThat(millis).as(r.toString()).isLessThan(2000 + 2000);
      writer.rollback();
    }
    assertThat(db.snapshot()).isEqualTo(before);
    assertNoBackupFiles();
  }

  @Test
  void aLockLetGoDuringTheAttemptsIsTakenOnALaterOneAndTheResetSucceeds() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("letgo").loadPmAgent(2);
    Connection holder = holding(db, "brief-reader", "SELECT count(*) FROM entities");
    CompletableFuture<Void> commits =
        CompletableFuture.runAsync(
            () -> {
              try (holder) {
                Thread.sleep(2500);
                holder.commit();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Cli.Result r;
    long millis;
    try (Reader reader = new Reader(db)) {
      long start = System.nanoTime();
      r = reset(db, "20s");
      millis = (System.nanoTime() - start) / 1_000_000;
      reader.close();
      // the old reset's TRUNCATE queued the readers behind it until the holder committed
      assertThat(reader.longestMillis.get()).as(r.toString()).isLessThan(1000);
    }
    commits.get(30, TimeUnit.SECONDS);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(millis).isGreaterThanOrEqualTo(2000);
    for (String t : ResetCommandTest.RESET_TABLES) {
      assertThat(db.queryLong("SELECT count(*) FROM " + t)).as(t).isZero();
    }
    assertThat(dir.resolve("backup.sql")).exists();
  }

  @Test
  void anotherResetThatStartsDuringTheCheckMakesItRefuseAtOnce() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("another").loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    try (Connection other = holding(db, "other-reset", "SELECT count(*) FROM entities")) {
      long start = System.nanoTime();
      CompletableFuture<Cli.Result> run = CompletableFuture.supplyAsync(() -> reset(db, "30s"));
      awaitLockAttempts(db, run);
      // as another reset does: the claim of OneAtATime, while it holds a reset table
      try (Statement st = other.createStatement()) {
        st.execute("SELECT pg_try_advisory_xact_lock(" + 0x706472 + ", " + 0x72736574 + ")");
      }
      Cli.Result r = run.get(60, TimeUnit.SECONDS);
      long millis = (System.nanoTime() - start) / 1_000_000;

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
      assertThat(r.err())
          .contains(
              "Another reset or restore is running on this database (pid " + pid(other),
              "application 'other-reset'",
              "Nothing was changed");
      // not after the whole --lock-timeout of 30s
      assertThat(millis).as(r.toString()).isLessThan(15_000);
      other.rollback();
    }
    assertThat(db.snapshot()).isEqualTo(before);
    assertNoBackupFiles();
  }

  /** Waits until the reset is trying its locks. */
  private static void awaitLockAttempts(TestDatabase db, CompletableFuture<Cli.Result> run)
      throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline && !run.isDone()) {
      if (db.queryLong(
              "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'prod-data-reset'"
                  + " AND datname = current_database() AND query ILIKE 'LOCK TABLE%'")
          > 0) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the reset never tried its locks: " + run.getNow(null));
  }

  private void assertNoBackupFiles() throws Exception {
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.contains("backup")))
          .as("no backup, manifest or partial file")
          .isEmpty();
    }
  }
}

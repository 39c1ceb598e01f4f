package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.HoldingProxy;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reset while the app writes: the backup is copied from a snapshot without blocking writers,
 * the rows they commit meanwhile are appended to the backup, and they wait only for the final
 * phase. The copy is held for seconds at a real TCP proxy (what a big table's copy takes), while a
 * real writer session goes on committing rows into a reset table.
 */
class ResetLiveTest {
  static final String POLICY = ResetCommandTest.POLICY.toString();

  /** How long the test holds the backup's first COPY: the copy of a big table. */
  static final long COPY_HELD_MILLIS = 2500;

  @TempDir Path dir;
  TestDatabase db;
  HoldingProxy proxy;

  @BeforeEach
  void setUp() throws Exception {
    db = TestPostgres.freshDatabase("live").loadPmAgent(5);
    proxy = new HoldingProxy(db.port());
  }

  @AfterEach
  void tearDown() throws Exception {
    proxy.close();
  }

  /** The CLI as the user runs it, with this test's own audit log. */
  private Cli cli() {
    return new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString());
  }

  /** Restores {@code backup} into the reset tables: the database is then as it was at the lock. */
  private void assertRestoresTo(String backup, Map<String, List<String>> atTheLock) {
    Cli.Result restore =
        cli()
            .run(
                "restore",
                dir.resolve(backup).toString(),
                "--url",
                db.url(),
                "--confirm",
                db.name());
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(atTheLock);
  }

  private CompletableFuture<Cli.Result> resetThroughProxy(String backup) {
    return CompletableFuture.supplyAsync(
        () ->
            cli()
                .run(
                    "reset",
                    "postgres://postgres@localhost:"
                        + proxy.port()
                        + "/"
                        + db.name()
                        + "?sslmode=disable",
                    "--policy",
                    POLICY,
                    "--backup",
                    dir.resolve(backup).toString(),
                    "--confirm",
                    db.name(),
                    "--lock-timeout",
                    "30s"));
  }

  /** An app session committing one project row after another, each named live-N. */
  private static final class Writer implements AutoCloseable {
    final ConcurrentLinkedQueue<String> committed = new ConcurrentLinkedQueue<>();
    final AtomicLong longestMillis = new AtomicLong();
    final AtomicBoolean stop = new AtomicBoolean();
    final CompletableFuture<Void> done;

    Writer(TestDatabase db) {
      done =
          CompletableFuture.runAsync(
              () -> {
                try (Connection c = db.connect();
                    PreparedStatement ps =
                        c.prepareStatement(
                            "INSERT INTO projects (owner_id, name)"
                                + " SELECT id, ? FROM users ORDER BY email LIMIT 1")) {
                  for (int n = 0; !stop.get(); n++) {
                    String name = "live-" + n;
                    long t0 = System.nanoTime();
                    ps.setString(1, name);
                    ps.executeUpdate(); // auto-commit: committed when it returns
                    longestMillis.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                    committed.add(name);
                    Thread.sleep(5);
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
    }

    @Override
    public void close() throws Exception {
      stop.set(true);
      done.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void writersGoOnDuringTheCopyAndEveryRowTheyCommitIsInTheBackupOrInTheTable() throws Exception {
    proxy.holdWhen("TO STDOUT");
    Writer writer = new Writer(db);
    CompletableFuture<Cli.Result> reset = resetThroughProxy("live.sql");
    assertThat(proxy.awaitHeld(30)).isTrue();
    int beforeHold = writer.committed.size();
    Thread.sleep(COPY_HELD_MILLIS);
    int duringHold = writer.committed.size() - beforeHold;
    proxy.release();
    Cli.Result result = reset.get(120, TimeUnit.SECONDS);
    Thread.sleep(200);
    writer.close();

    assertThat(result.exitCode()).as(result.toString()).isZero();
    // the writer was not locked out while the backup was copied
    assertThat(duringHold).as("rows committed while the copy was held").isGreaterThan(20);
    assertThat(writer.longestMillis.get())
        .as("the writer's longest insert, against a copy held %d ms", COPY_HELD_MILLIS)
        .isLessThan(COPY_HELD_MILLIS / 2);
    // nothing the app committed was lost: each row is in the backup or still in the table
    String backup = Files.readString(dir.resolve("live.sql"), StandardCharsets.UTF_8);
    List<String> inTable = db.queryStrings("SELECT name FROM projects WHERE name LIKE 'live-%'");
    List<String> lost =
        writer.committed.stream()
            .filter(n -> !inTable.contains(n) && !backup.contains("\t" + n + "\t"))
            .toList();
    assertThat(lost).as("committed rows in neither the backup nor the table").isEmpty();
    // the rows committed during the copy went into the backup after it, as a further block
    String manifest =
        Files.readString(dir.resolve("live.sql.manifest.json"), StandardCharsets.UTF_8);
    assertThat(manifest).containsPattern("\"appendedRows\"\\s*:\\s*[1-9]");
    assertThat(result.err()).contains("written during the copy to the backup");
    // the final phase is recorded, and the next plan's estimate of the app's wait comes from it
    assertThat(
            Files.readString(
                dir.resolve("state/prod-data-reset/audit.jsonl"), StandardCharsets.UTF_8))
        .containsPattern("\"finalPhaseMillis\":[1-9]");
    Cli.Result plan =
        cli()
            .run(
                "plan",
                // the same target as the reset's (the audit log's records are per host and port)
                "postgres://postgres@localhost:"
                    + proxy.port()
                    + "/"
                    + db.name()
                    + "?sslmode=disable",
                "--policy",
                POLICY);
    assertThat(plan.out()).as(plan.toString()).contains(", measured by the reset of ");
  }

  @Test
  void aRowDeletedOrChangedDuringTheCopyMakesTheResetCopyAgainUnderTheLock() throws Exception {
    proxy.holdWhen("TO STDOUT");
    CompletableFuture<Cli.Result> reset = resetThroughProxy("changed.sql");
    assertThat(proxy.awaitHeld(30)).isTrue();
    // the snapshot is taken (its first query ran before the held COPY): change what it saw
    db.exec(
        "DELETE FROM tags WHERE id = (SELECT min(id) FROM tags)",
        "UPDATE projects SET name = 'renamed during the copy' WHERE id = (SELECT min(id) FROM"
            + " projects)");
    Map<String, List<String>> atTheLock = db.snapshot();
    proxy.release();
    Cli.Result result = reset.get(120, TimeUnit.SECONDS);

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.err()).contains("lost or changed rows during the copy");
    // the backup holds exactly what the TRUNCATE removed: restored, the database is as it was
    assertRestoresTo("changed.sql", atTheLock);
  }

  @Test
  void rowsWrittenDuringTheCopyAreRestoredWithTheOthers() throws Exception {
    proxy.holdWhen("TO STDOUT");
    CompletableFuture<Cli.Result> reset = resetThroughProxy("appended.sql");
    assertThat(proxy.awaitHeld(30)).isTrue();
    // a parent and its child, both written after the snapshot
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      st.execute(
          "WITH p AS (INSERT INTO projects (owner_id, name) SELECT id, 'during the copy'"
              + " FROM users ORDER BY email LIMIT 1 RETURNING id)"
              + " INSERT INTO tags (project_id, name) SELECT id, 'child during the copy' FROM p");
    }
    Map<String, List<String>> atTheLock = db.snapshot();
    proxy.release();
    Cli.Result result = reset.get(120, TimeUnit.SECONDS);
    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.err()).doesNotContain("lost or changed rows");

    assertRestoresTo("appended.sql", atTheLock);
  }
}

package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.backup.ManifestFile;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two real resets of one database at once: one resets, the other refuses and leaves nothing. */
@Tag("single-version")
class ResetConcurrencyTest {
  static final String POLICY = ResetCommandTest.POLICY.toString();
  @TempDir Path dir;

  Cli cli() {
    return new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString());
  }

  Cli.Result reset(TestDatabase db, String backup) {
    return cli()
        .run(
            "reset",
            db.url(),
            "--policy",
            POLICY,
            "--backup",
            dir.resolve(backup).toString(),
            "--confirm",
            db.name(),
            "--lock-timeout",
            "30s");
  }

  @Test
  void aSecondResetWhileTheFirstTruncatesRefusesAtOnceNamingIt() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("twice").loadPmAgent(2);
    // the first reset's TRUNCATE takes a few seconds, holding its exclusive locks
    db.exec(
        "CREATE FUNCTION slow_truncate() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN PERFORM pg_sleep(4); RETURN NULL; END $$",
        "CREATE TRIGGER slow BEFORE TRUNCATE ON epics"
            + " FOR EACH STATEMENT EXECUTE FUNCTION slow_truncate()");
    Map<String, List<String>> before = db.snapshot();

    CompletableFuture<Cli.Result> first = CompletableFuture.supplyAsync(() -> reset(db, "a.sql"));
    int firstPid = awaitTruncate(db, first);
    long start = System.nanoTime();
    Cli.Result second = reset(db, "b.sql");
    long millis = (System.nanoTime() - start) / 1_000_000;
    Cli.Result done = first.get(60, TimeUnit.SECONDS);

    assertThat(done.exitCode()).as(done.toString()).isZero();
    assertThat(second.exitCode()).as(second.toString()).isEqualTo(3);
    assertThat(second.err())
        .contains("Another reset or restore is running on this database (pid " + firstPid)
        .contains("application 'prod-data-reset'")
        .contains("Nothing was changed");
    assertThat(second.out()).doesNotContain("Reset committed").doesNotContain("restore");
    // at once: not after the first finished (its TRUNCATE alone sleeps 4 s)
    assertThat(millis).as(second.toString()).isLessThan(3000);
    assertNoFiles("b.sql");
    assertResetOnce(db, before, "a.sql");
  }

  @Test
  void twoResetsQueuedForTheSameLocksResetOnce() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("twice").loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    CompletableFuture<Cli.Result> a;
    CompletableFuture<Cli.Result> b;
    try (Connection holder = db.connect()) {
      holder.setAutoCommit(false);
      try (Statement st = holder.createStatement()) {
        // a writer in the middle of its transaction: both resets wait for their SHARE locks
        st.execute("INSERT INTO tags (project_id, name) SELECT min(id), 'held' FROM projects");
      }
      // one after the other, so that both are past their first look for another reset (two
      // starting at the same instant may also refuse there, which is as right)
      a = CompletableFuture.supplyAsync(() -> reset(db, "a.sql"));
      awaitLockWaiters(db, 1, a, a);
      b = CompletableFuture.supplyAsync(() -> reset(db, "b.sql"));
      awaitLockWaiters(db, 2, a, b);
      holder.rollback();
    }
    Cli.Result ra = a.get(60, TimeUnit.SECONDS);
    Cli.Result rb = b.get(60, TimeUnit.SECONDS);

    assertThat(List.of(ra.exitCode(), rb.exitCode()))
        .as(ra + "\n" + rb)
        .containsExactlyInAnyOrder(0, 3);
    Cli.Result refused = ra.exitCode() == 3 ? ra : rb;
    String winner = ra.exitCode() == 0 ? "a.sql" : "b.sql";
    assertThat(refused.err())
        .contains("Another reset or restore is running on this database (pid ")
        .contains("application 'prod-data-reset'")
        .doesNotContain("deadlock");
    assertNoFiles(winner.equals("a.sql") ? "b.sql" : "a.sql");
    assertResetOnce(db, before, winner);
  }

  @Test
  void aResetOfEmptyTablesSaysThereIsNothingToRemoveAndWritesNoBackup() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("empty").loadPmAgent(2);
    assertThat(reset(db, "first.sql").exitCode()).isZero();
    Map<String, List<String>> emptied = db.snapshot();

    Cli.Result again = reset(db, "again.sql");

    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.out())
        .contains(
            "Nothing to remove: the 10 reset tables were already empty; nothing was changed and no"
                + " backup was written.")
        .doesNotContain("restore")
        .doesNotContain("Reset committed");
    assertNoFiles("again.sql");
    assertThat(db.snapshot()).isEqualTo(emptied);
  }

  @Test
  void aPolicyThatResetsNoTableSaysSoAndWritesNoBackup() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("notable").loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    Path policy = dir.resolve("keep-all.yaml");
    Files.writeString(
        policy,
        "keep: [users, api_keys, schema_migrations, projects, tags, raw_notes, epics, entities,"
            + " entity_tags, entity_relationships, entity_sources, entity_events, review_queue]\n"
            + "reset: []\n");

    Cli.Result r =
        cli()
            .run(
                "reset",
                db.url(),
                "--policy",
                policy.toString(),
                "--backup",
                dir.resolve("none.sql").toString(),
                "--confirm",
                db.name());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains(
            "Nothing to reset: the policy resets no table; nothing was changed and no backup was"
                + " written.")
        .doesNotContain("Reset committed");
    assertThat(r.err()).doesNotContain("error").doesNotContain("Locking");
    assertNoFiles("none.sql");
    assertThat(db.snapshot()).isEqualTo(before);
  }

  private void assertNoFiles(String name) throws Exception {
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.contains(name)).toList())
          .as("no backup, manifest or partial file of the refused reset")
          .isEmpty();
    }
  }

  /** Reset tables empty, kept tables as before, and the backup holds every row that was reset. */
  private void assertResetOnce(TestDatabase db, Map<String, List<String>> before, String backup)
      throws Exception {
    Map<String, List<String>> after = db.snapshot();
    long resetRows = 0;
    for (String t : ResetCommandTest.RESET_TABLES) {
      assertThat(after.get("public." + t)).as(t).isEmpty();
      resetRows += before.get("public." + t).size();
    }
    for (String t : ResetCommandTest.KEPT_TABLES) {
      assertThat(after.get("public." + t)).as(t).isEqualTo(before.get("public." + t));
    }
    assertThat(ManifestFile.read(dir.resolve(backup + ".manifest.json")).totalRows())
        .isEqualTo(resetRows);
  }

  private static int awaitTruncate(TestDatabase db, CompletableFuture<Cli.Result> run)
      throws Exception {
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline && !run.isDone()) {
        try (ResultSet rs =
            st.executeQuery(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'prod-data-reset'"
                    + " AND datname = current_database() AND state = 'active'"
                    + " AND query ILIKE 'TRUNCATE%'")) {
          if (rs.next()) {
            return rs.getInt(1);
          }
        }
        Thread.sleep(10);
      }
    }
    throw new AssertionError("the first reset never truncated: " + run.getNow(null));
  }

  private static void awaitLockWaiters(
      TestDatabase db, int n, CompletableFuture<Cli.Result> a, CompletableFuture<Cli.Result> b)
      throws Exception {
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline && !a.isDone() && !b.isDone()) {
        try (ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'prod-data-reset'"
                    + " AND datname = current_database() AND wait_event_type = 'Lock'"
                    + " AND query ILIKE 'LOCK TABLE%'")) {
          rs.next();
          if (rs.getInt(1) >= n) {
            return;
          }
        }
        Thread.sleep(10);
      }
    }
    throw new AssertionError("the resets never both waited: " + a.getNow(null) + b.getNow(null));
  }
}

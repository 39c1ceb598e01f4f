package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.ChildRun;
import io.proddatareset.testing.HoldingProxy;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C at each step of a reset: a real signal to a real child process. Each step is made to last
 * deterministically: another session's lock for the locking, a BEFORE TRUNCATE trigger that sleeps
 * for the truncate, and for the steps no server-side wait can hold (they read what the reset has
 * locked itself, or are the commit), a real TCP proxy that stalls the step's statement on the wire.
 *
 * <p>The child gets SIGINT, Ctrl-C's own signal, where it can ({@link ChildRun}).
 */
@Tag("single-version")
class ResetInterruptTest {
  static final String POLICY = ResetCommandTest.POLICY.toString();

  @TempDir Path dir;
  TestDatabase db;
  HoldingProxy proxy;
  Map<String, List<String>> before;

  @BeforeEach
  void setUp() throws IOException {
    db = TestPostgres.freshDatabase("sigint").loadPmAgent(2);
    before = db.snapshot();
    proxy = new HoldingProxy(db.port());
  }

  @AfterEach
  void tearDown() throws IOException {
    proxy.close();
  }

  @Test
  void beforeTheResetStartsNothingWasChanged() throws Exception {
    // the look for another reset, before the plan
    proxy.holdWhen("pg_try_advisory_xact_lock");
    Child child = start();
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("INT");

    child.assertInterrupted("Interrupted before the reset started: nothing was changed.");
    assertThat(child.out()).doesNotContain("Locking");
    assertUntouched(child);
    // a refusal-like run: no started record, one final one
    assertThat(child.auditOutcomes()).containsExactly("interrupted");
  }

  @Test
  void whileLockingRollsBack() throws Exception {
    try (Connection holder = db.connect()) {
      holder.setAutoCommit(false);
      try (Statement st = holder.createStatement()) {
        st.execute("INSERT INTO tags (project_id, name) SELECT min(id), 'held' FROM projects");
      }
      Child child = start();
      awaitStatement(child, "LOCK TABLE%", true);
      child.signal("INT");
      child.assertInterrupted(
          "Interrupted while locking the tables: rolled back, nothing was changed.");
      holder.rollback();
      assertUntouched(child);
    }
  }

  @Test
  void whileFingerprintingRollsBack() throws Exception {
    proxy.holdWhen("md5(r::text)");
    Child child = start();
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("INT");
    child.assertInterrupted(
        "Interrupted while fingerprinting the kept tables: rolled back, nothing was changed.");
    assertUntouched(child);
  }

  @Test
  void whileBackingUpRollsBackAndRemovesThePartialBackup() throws Exception {
    proxy.holdWhen("TO STDOUT");
    Child child = start();
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("INT");
    child.assertInterrupted(
        "Interrupted while backing up: rolled back, nothing was changed; the partial backup was"
            + " removed.");
    assertUntouched(child);
  }

  @Test
  void sigtermWhileBackingUpIsTheSameAsCtrlC() throws Exception {
    proxy.holdWhen("TO STDOUT");
    Child child = start();
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("TERM");
    child.assertInterrupted(
        "Interrupted while backing up: rolled back, nothing was changed; the partial backup was"
            + " removed.");
    assertUntouched(child);
  }

  @Test
  void whileTruncatingRollsBackAndLetsGoOfTheLocksAtOnce() throws Exception {
    db.exec(
        "CREATE FUNCTION slow_truncate() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN PERFORM pg_sleep(60); RETURN NULL; END $$",
        "CREATE TRIGGER slow BEFORE TRUNCATE ON epics"
            + " FOR EACH STATEMENT EXECUTE FUNCTION slow_truncate()");
    Child child = start();
    awaitStatement(child, "TRUNCATE%", false);
    long signalled = System.nanoTime();
    child.signal("INT");
    child.assertInterrupted(
        "Interrupted while truncating: rolled back, nothing was changed; the backup was removed.");
    // the sleeping TRUNCATE was cancelled, not left holding its exclusive locks for a minute
    assertUntouched(child);
    assertThat((System.nanoTime() - signalled) / 1_000_000_000L).isLessThan(30);
  }

  @Test
  void whileCheckingInsideTheTransactionRollsBack() throws Exception {
    proxy.holdWhen("count(*), NULL", "TRUNCATE TABLE");
    Child child = start();
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("INT");
    child.assertInterrupted(
        "Interrupted while checking inside the transaction: rolled back, nothing was changed; the"
            + " backup was removed.");
    assertUntouched(child);
  }

  @Test
  void whileCommittingTheCommitFinishesAndIsReported() throws Exception {
    proxy.holdWhen("COMMIT", "TRUNCATE TABLE");
    Child child = start();
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("INT");
    // the signal is in; the commit's answer comes only now
    Thread.sleep(1500);
    proxy.release();
    child.assertInterrupted(
        "Interrupted after the commit: the reset was committed (backup "
            + child.backup
            + "); the check afterwards did not run. To check: prod-data-reset verify --url '");
    assertThat(child.out()).contains("Reset committed: 10 tables emptied");
    assertReset(child);
  }

  @Test
  void whenTheConnectionDiesDuringTheCommitTheOutcomeIsUnknownAndItSaysHowToCheck()
      throws Exception {
    proxy.holdWhen("COMMIT", "TRUNCATE TABLE");
    Child child = start();
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("INT");
    Thread.sleep(1500);
    proxy.cut();
    child.assertInterrupted("Interrupted while committing: The commit failed (");
    assertThat(child.err())
        .contains("the reset may or may not have been applied")
        .contains("The backup " + child.backup + " is kept")
        .contains("To check: prod-data-reset verify --url '")
        .contains("--manifest " + child.backup + ".manifest.json");
    assertThat(child.out()).doesNotContain("Reset committed");
    // the COMMIT never reached the server
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(child.backup).exists();
    assertThat(child.auditOutcomes()).containsExactly("started", "interrupted");
  }

  @Test
  void duringTheVerificationAfterTheCommitSaysTheResetWasCommitted() throws Exception {
    proxy.holdWhen("count(*), NULL", "TRUNCATE TABLE", "COMMIT");
    Child child = start();
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("INT");
    child.assertInterrupted(
        "Interrupted after the commit: the reset was committed (backup "
            + child.backup
            + "); the check afterwards did not run. To check: prod-data-reset verify --url '");
    assertThat(child.out()).contains("Reset committed: 10 tables emptied");
    assertThat(child.out()).doesNotContain("Verified");
    assertReset(child);
  }

  private void assertUntouched(Child child) throws IOException {
    assertThat(db.snapshot()).isEqualTo(before);
    try (var files = Files.list(dir)) {
      assertThat(
              files
                  .map(f -> f.getFileName().toString())
                  .filter(n -> n.contains("interrupted"))
                  .toList())
          .as("no backup, partial file or manifest left")
          .isEmpty();
    }
    if (!child.auditOutcomes().equals(List.of("interrupted"))) {
      assertThat(child.auditOutcomes()).containsExactly("started", "interrupted");
    }
  }

  private void assertReset(Child child) throws IOException {
    Map<String, List<String>> after = db.snapshot();
    for (String t : ResetCommandTest.RESET_TABLES) {
      assertThat(after.get("public." + t)).as(t).isEmpty();
    }
    for (String t : ResetCommandTest.KEPT_TABLES) {
      assertThat(after.get("public." + t)).as(t).isEqualTo(before.get("public." + t));
    }
    assertThat(child.backup).exists();
    // the committed reset's final record is its success; the interrupted check adds none
    assertThat(child.auditOutcomes()).containsExactly("started", "succeeded");
  }

  /** Waits until the child runs a statement matching {@code like} (waiting for a lock if said). */
  private void awaitStatement(Child child, String like, boolean waitingOnLock) throws Exception {
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline && child.process.isAlive()) {
        try (ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'prod-data-reset'"
                    + " AND datname = current_database() AND state = 'active' AND query ILIKE '"
                    + like
                    + "'"
                    + (waitingOnLock ? " AND wait_event_type = 'Lock'" : ""))) {
          rs.next();
          if (rs.getInt(1) > 0) {
            return;
          }
        }
        Thread.sleep(10);
      }
    }
    throw new AssertionError("the reset never ran " + like + "; output:\n" + child.output());
  }

  private Child start() throws IOException {
    return new Child(
        dir,
        "postgres://postgres@localhost:" + proxy.port() + "/" + db.name() + "?sslmode=disable");
  }

  /** The tool running a reset in a child JVM, with its backup in the test's directory. */
  final class Child extends ChildRun {
    final Path backup;

    /** A reset of the test database through {@code url}. */
    Child(Path dir, String url) throws IOException {
      super(
          dir,
          List.of(
              "reset",
              url,
              "--policy",
              POLICY,
              "--backup",
              dir.resolve("interrupted.sql").toString(),
              "--confirm",
              db.name(),
              "--jobs",
              "1",
              "--lock-timeout",
              "60s"));
      backup = dir.resolve("interrupted.sql");
    }
  }
}

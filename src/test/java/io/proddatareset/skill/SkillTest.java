package io.proddatareset.skill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.proddatareset.ExitStatus;
import io.proddatareset.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The skill names only commands and options the tool has, and its order matches the reference. */
@Tag("single-version")
class SkillTest {
  static final Path SKILL = Path.of("skill", "prod-data-reset", "SKILL.md");
  static final Path REFERENCE =
      Path.of("skill", "prod-data-reset", "references", "schema-tables.md");

  private static String help(List<String> args) {
    Cli.Result r = new Cli().run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return r.out();
  }

  private final SkillCheck check = new SkillCheck(SkillTest::help);

  @Test
  void everyCommandAndOptionTheSkillNamesIsInTheHelp() throws IOException {
    SkillText.Mentions mentions = SkillText.extract(Files.readString(SKILL));

    // the extractor sees the workflow, so an empty result cannot pass for a clean one
    assertThat(mentions.invocations())
        .extracting(SkillText.Invocation::command)
        .contains("plan", "reset", "verify", "restore", "demo", null);
    assertThat(
            mentions.invocations().stream()
                .filter(i -> "reset".equals(i.command()))
                .flatMap(i -> i.options().stream()))
        .contains("--render-postgres", "--policy", "--confirm", "--plan-id", "--backup");
    assertThat(mentions.looseOptions())
        .extracting(SkillText.LooseOption::option)
        .contains("--no-backup", "--i-have-a-backup", "--plan-id", "--confirm");

    assertThat(check.problems(mentions)).isEmpty();
  }

  @Test
  void anOptionTheToolDoesNotHaveIsCaught() throws IOException {
    String skill = Files.readString(SKILL);
    String bogusInCode =
        skill.replace("--confirm <dbname> --plan-id", "--confirm <dbname> --force --plan-id");
    assertThat(bogusInCode).isNotEqualTo(skill);
    assertThat(check.problems(SkillText.extract(bogusInCode)))
        .singleElement()
        .asString()
        .startsWith("'reset' has no option --force in: ");

    String bogusInProse = skill + "\nIf it hangs, add `--skip-locks`.\n";
    assertThat(check.problems(SkillText.extract(bogusInProse)))
        .singleElement()
        .asString()
        .startsWith("no command has the option --skip-locks");
  }

  @Test
  void anOptionOfAnotherCommandIsCaught() {
    // plan has no --confirm: only reset (and the top-level seed form) do
    String text = "```bash\n./prod-data-reset plan --policy p.yaml --confirm pm\n```\n";
    assertThat(check.problems(SkillText.extract(text)))
        .singleElement()
        .asString()
        .startsWith("'plan' has no option --confirm");
  }

  @Test
  void aCommandTheToolDoesNotHaveIsCaught() {
    // picocli would read "wipe" as the positional URL and print the top-level help for
    // "wipe --help", so the command has to be checked against the list of commands itself
    String text = "Run `prod-data-reset wipe --backup x.sql` to clean up.";
    assertThat(check.problems(SkillText.extract(text)))
        .singleElement()
        .asString()
        .startsWith("no command 'wipe'");
  }

  @Test
  void theExtractorReadsShellLinesAsTheyRun() {
    String text =
        """
        Use `skill/prod-data-reset/SKILL.md` and `prod-data-reset.jar`; `--json` prints JSON.

        ```bash
        PDR_USER_CONSENT="go ahead, wipe it" \\
        ./prod-data-reset reset --url "$DATABASE_URL" \\
          --confirm pm --backup b.sql.gz && ./prod-data-reset verify --manifest m.json
        java -version | grep 17
        "$PDR/prod-data-reset" "$DATABASE_URL" --backup x.sql
        ```
        """;
    SkillText.Mentions m = SkillText.extract(text);
    assertThat(m.invocations())
        .extracting(SkillText.Invocation::command, SkillText.Invocation::options)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("reset", List.of("--url", "--confirm", "--backup")),
            org.assertj.core.groups.Tuple.tuple("verify", List.of("--manifest")),
            org.assertj.core.groups.Tuple.tuple(null, List.of("--backup")));
    assertThat(m.looseOptions())
        .extracting(SkillText.LooseOption::option)
        .containsExactly("--json");
  }

  @Test
  void theTruncationOrderInTheSkillIsTheGeneratedOne() throws IOException {
    String skill = Files.readString(SKILL);
    String reference = Files.readString(REFERENCE);

    Matcher skillOrder =
        Pattern.compile("## Table Truncation Order.*?```\\n(.*?)```", Pattern.DOTALL)
            .matcher(skill);
    assertThat(skillOrder.find()).as("the skill's truncation order block").isTrue();
    Matcher referenceOrder = Pattern.compile("In one line: (.*)").matcher(reference);
    assertThat(referenceOrder.find()).as("the reference's one-line order").isTrue();
    assertThat(tables(skillOrder.group(1))).isEqualTo(tables(referenceOrder.group(1)));
    assertThat(tables(skillOrder.group(1))).hasSize(10);

    Matcher skillKept = Pattern.compile("\\*\\*Never truncated\\*\\*: (.*)").matcher(skill);
    Matcher referenceKept = Pattern.compile("\\*\\*Never truncated\\*\\*: (.*)").matcher(reference);
    assertThat(skillKept.find() && referenceKept.find()).isTrue();
    assertThat(List.copyOf(new java.util.TreeSet<>(tables(skillKept.group(1)))))
        .isEqualTo(tables(referenceKept.group(1)))
        .containsExactly("api_keys", "schema_migrations", "users");
  }

  @Test
  void theExitCodeTableIsTheToolsExitCodes() throws IOException {
    exitCodeCheck(SKILL);
  }

  /**
   * The skill's exit code table lists every {@link ExitStatus} once, in order, with the meaning the
   * tool gives it, and the workflow mentions no other code.
   */
  private static void exitCodeCheck(Path file) throws IOException {
    String skill = Files.readString(file);
    Matcher section =
        Pattern.compile("## Exit Codes\\n(.*?)(?=\\n## |\\z)", Pattern.DOTALL).matcher(skill);
    assertThat(section.find()).as("the skill's exit code section").isTrue();
    Map<Integer, String> rows = new LinkedHashMap<>();
    Pattern.compile("(?m)^\\|\\s*(\\d+)\\s*\\|\\s*([^|]*?)\\s*\\|")
        .matcher(section.group(1))
        .results()
        .forEach(
            r -> rows.merge(Integer.parseInt(r.group(1)), r.group(2), (a, b) -> a + " | " + b));

    // every code once, in order, and no code the tool does not have
    assertThat(rows.keySet())
        .containsExactlyElementsOf(
            Arrays.stream(ExitStatus.values()).map(ExitStatus::code).toList());
    // each row says what the tool says the code means: the meaning up to its first ',', ':' or ';'
    for (ExitStatus status : ExitStatus.values()) {
      String gist = status.meaning().split("[,:;]", 2)[0].toLowerCase(Locale.ROOT);
      assertThat(rows.get(status.code()).toLowerCase(Locale.ROOT))
          .as("the skill's meaning of exit %d", status.code())
          .startsWith(gist);
    }

    // every "exit N" the workflow mentions is one of them
    Set<Integer> codes =
        Arrays.stream(ExitStatus.values()).map(ExitStatus::code).collect(Collectors.toSet());
    List<Integer> mentioned =
        Pattern.compile("(?i)\\bexit (\\d+)")
            .matcher(skill)
            .results()
            .map(r -> Integer.parseInt(r.group(1)))
            .toList();
    assertThat(mentioned).contains(0, 2, 3, 4, 5, 130);
    assertThat(codes).containsAll(mentioned);
  }

  @Test
  void aStaleExitCodeTableIsCaught() throws IOException {
    String skill = Files.readString(SKILL);
    String without130 = skill.replaceAll("(?m)^\\| 130 \\|.*\\n", "");
    assertThat(without130).isNotEqualTo(skill);
    String oldMeaning = skill.replace("| 2 | Bad input", "| 2 | Usage error");
    assertThat(oldMeaning).isNotEqualTo(skill);
    for (String stale : List.of(without130, oldMeaning)) {
      Path copy = Files.createTempFile("skill", ".md");
      try {
        Files.writeString(copy, stale);
        assertThat(catchThrowable(() -> exitCodeCheck(copy))).isInstanceOf(AssertionError.class);
      } finally {
        Files.delete(copy);
      }
    }
  }

  /** Table names in the order written, without schema, backticks, arrows or commas. */
  private static List<String> tables(String text) {
    return Pattern.compile("[a-z_]+(?:\\.[a-z_]+)?")
        .matcher(text)
        .results()
        .map(r -> r.group().replaceFirst("^public\\.", ""))
        .toList();
  }
}

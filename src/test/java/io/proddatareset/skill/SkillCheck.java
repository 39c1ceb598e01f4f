package io.proddatareset.skill;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a skill's commands and options against the tool's {@code --help}: each command must be
 * listed under "Commands:" of the top-level help, each option of an invocation must be declared in
 * that command's help, and an option named on its own must be declared by some command.
 */
final class SkillCheck {
  // picocli's option column: "  -v, --verbose" or "      --url=URL"; continuation lines of a
  // description are indented much deeper, so an option mentioned in a description is not taken
  private static final Pattern DECLARED_OPTION =
      Pattern.compile("^  (?:-\\w, |    )(--[a-z][a-z0-9-]*)", Pattern.MULTILINE);
  private static final Pattern LISTED_COMMAND = Pattern.compile("^  ([a-z][a-z-]*)  ");

  private final Function<List<String>, String> help;
  private final Map<String, Set<String>> optionsByCommand = new HashMap<>();

  /**
   * @param help the output of the tool run with the given arguments, e.g. {@code [reset, --help]}
   */
  SkillCheck(Function<List<String>, String> help) {
    this.help = help;
  }

  /** The commands listed in the top-level help. */
  Set<String> commands() {
    String top = help.apply(List.of("--help"));
    Set<String> commands = new LinkedHashSet<>();
    int start = top.indexOf("\nCommands:\n");
    if (start < 0) {
      return commands;
    }
    for (String line : top.substring(start + "\nCommands:\n".length()).split("\n")) {
      if (line.isBlank()) {
        break;
      }
      Matcher m = LISTED_COMMAND.matcher(line);
      if (m.find()) {
        commands.add(m.group(1));
      }
    }
    return commands;
  }

  /** The options a command's help declares; {@code null} is the top-level command. */
  Set<String> options(String command) {
    return optionsByCommand.computeIfAbsent(
        command == null ? "" : command,
        c -> {
          String text = help.apply(c.isEmpty() ? List.of("--help") : List.of(c, "--help"));
          Set<String> declared = new LinkedHashSet<>();
          Matcher m = DECLARED_OPTION.matcher(text);
          while (m.find()) {
            declared.add(m.group(1));
          }
          return declared;
        });
  }

  /** Everything the skill names that the tool does not have, one line each; empty when none. */
  List<String> problems(SkillText.Mentions mentions) {
    Set<String> commands = commands();
    List<String> problems = new ArrayList<>();
    for (SkillText.Invocation run : mentions.invocations()) {
      if (run.command() != null && !commands.contains(run.command())) {
        problems.add(
            "no command '" + run.command() + "' (commands: " + commands + ") in: " + run.source());
        continue;
      }
      Set<String> declared = options(run.command());
      for (String option : run.options()) {
        if (!declared.contains(option)) {
          problems.add(
              (run.command() == null ? "the top-level command" : "'" + run.command() + "'")
                  + " has no option "
                  + option
                  + " in: "
                  + run.source());
        }
      }
    }
    for (SkillText.LooseOption loose : mentions.looseOptions()) {
      boolean somewhere =
          options(null).contains(loose.option())
              || commands.stream().anyMatch(c -> options(c).contains(loose.option()));
      if (!somewhere) {
        problems.add("no command has the option " + loose.option() + " in: " + loose.source());
      }
    }
    return problems;
  }
}

package io.proddatareset.skill;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a skill's Markdown tells an agent to run: every {@code prod-data-reset [command] --option}
 * in its fenced code blocks and inline code, and the options it names on their own (in prose
 * backticks or in a line that does not run the tool).
 */
final class SkillText {
  /** One run of the tool; {@code command} is null for the top-level command. */
  record Invocation(String command, List<String> options, String source) {}

  /** An option named outside any invocation, e.g. {@code `--confirm`} in a sentence. */
  record LooseOption(String option, String source) {}

  record Mentions(List<Invocation> invocations, List<LooseOption> looseOptions) {}

  // the tool's name as a program, not as part of a path to a folder or file
  // (skill/prod-data-reset/)
  private static final Pattern TOOL =
      Pattern.compile("(?<![\\w.-])(?:[\\w.$\"{}-]*/)?prod-data-reset(?![\\w./-])");
  private static final Pattern OPTION = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]*");
  private static final Pattern COMMAND_WORD = Pattern.compile("[a-z][a-z-]*");
  // a shell operator ends one program's arguments
  private static final Pattern SHELL_BREAK = Pattern.compile("&&|\\|\\||[;|]");
  private static final Pattern INLINE_CODE = Pattern.compile("`([^`\\n]+)`");

  private SkillText() {}

  static Mentions extract(String markdown) {
    List<String> snippets = new ArrayList<>();
    StringBuilder prose = new StringBuilder();
    StringBuilder logical = null;
    boolean inFence = false;
    for (String line : markdown.split("\n", -1)) {
      if (line.strip().startsWith("```")) {
        inFence = !inFence;
        continue;
      }
      if (!inFence) {
        prose.append(line).append('\n');
        continue;
      }
      // join shell continuation lines into one command line
      String text = line.stripTrailing();
      boolean continues = text.endsWith("\\");
      if (continues) {
        text = text.substring(0, text.length() - 1);
      }
      logical =
          logical == null ? new StringBuilder(text) : logical.append(' ').append(text.strip());
      if (!continues) {
        snippets.add(logical.toString());
        logical = null;
      }
    }
    if (logical != null) {
      snippets.add(logical.toString());
    }
    Matcher inline = INLINE_CODE.matcher(prose);
    while (inline.find()) {
      snippets.add(inline.group(1));
    }

    List<Invocation> invocations = new ArrayList<>();
    List<LooseOption> loose = new ArrayList<>();
    for (String snippet : snippets) {
      for (String part : SHELL_BREAK.split(snippet)) {
        read(part, snippet, invocations, loose);
      }
    }
    return new Mentions(List.copyOf(invocations), List.copyOf(loose));
  }

  private static void read(
      String part, String snippet, List<Invocation> invocations, List<LooseOption> loose) {
    Matcher tool = TOOL.matcher(part);
    List<int[]> runs = new ArrayList<>();
    while (tool.find()) {
      runs.add(new int[] {tool.start(), tool.end()});
    }
    int firstRun = runs.isEmpty() ? part.length() : runs.get(0)[0];
    for (String option : options(part.substring(0, firstRun))) {
      loose.add(new LooseOption(option, snippet));
    }
    for (int i = 0; i < runs.size(); i++) {
      int end = i + 1 < runs.size() ? runs.get(i + 1)[0] : part.length();
      String args = part.substring(runs.get(i)[1], end).strip();
      String first = args.isEmpty() ? "" : args.split("\\s+")[0];
      String command = COMMAND_WORD.matcher(first).matches() ? first : null;
      invocations.add(new Invocation(command, options(args), snippet));
    }
  }

  private static List<String> options(String text) {
    List<String> found = new ArrayList<>();
    Matcher m = OPTION.matcher(text);
    while (m.find()) {
      found.add(m.group());
    }
    return found;
  }
}

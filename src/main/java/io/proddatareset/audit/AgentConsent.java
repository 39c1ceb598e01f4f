package io.proddatareset.audit;

import io.proddatareset.ExitException;
import io.proddatareset.Program;
import io.proddatareset.connect.Redaction;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The consent check for destructive commands ({@code reset}, {@code restore}) run by an AI coding
 * agent. When the environment shows an agent, the command is refused unless {@value #VARIABLE}
 * holds the user's own words of consent; the refusal tells the agent to stop, show the plan to the
 * user and ask. The consent text goes into the audit log.
 *
 * <p>Agents are recognised by variables they export into the shells they run commands in: {@code
 * AI_AGENT} (the proposed common convention; its value names the agent), {@code CLAUDECODE} and
 * {@code CLAUDE_CODE_ENTRYPOINT} (Claude Code), {@code GEMINI_CLI} (Gemini CLI), {@code
 * CURSOR_AGENT} (Cursor's agent), {@code CODEX_SANDBOX}, {@code CODEX_SANDBOX_NETWORK_DISABLED} and
 * {@code CODEX_THREAD_ID} (OpenAI Codex), {@code REPLIT_CLI} (Replit). A variable counts when it is
 * set and not empty. Variables that editors also set in terminals people type in (Cursor's {@code
 * CURSOR_TRACE_ID}, Replit's {@code REPL_ID}) are not used: they would stop people, not agents.
 *
 * <p>This is a guard rail for agents that follow instructions, not a security boundary: an agent
 * can unset the variables or invent the words. What it does is make the agent stop and ask, and put
 * on record what the user said.
 *
 * <p>What counts as the user's own words: after trimming, at least {@value #MIN_DIFFERENT_WORDS}
 * different words (tokens with a letter), at least {@value #MIN_LETTERS} letters, not a bare yes
 * that does not say to what, not a report that the user agreed, and no placeholder. Refused, for
 * example: {@code yes}, {@code ok}, {@code true}, {@code y}, {@code 1}, {@code "ok ok ok"}, {@code
 * "I consent"}, {@code "go ahead"}, {@code "the user consents"}, {@code "user approved the reset"},
 * {@code "<user's words>"}, {@code "TODO"}, {@code "$PDR_USER_CONSENT"}. Accepted, for example:
 * {@code "Yes, wipe the test data in pm_agent, I have seen the plan"}. Each refusal says which of
 * these it is.
 */
public final class AgentConsent {
  /** The variable that carries the user's words. */
  public static final String VARIABLE = "PDR_USER_CONSENT";

  static final int MIN_DIFFERENT_WORDS = 3;
  static final int MIN_LETTERS = 12;

  // variable -> agent, in the order they are reported
  private static final Map<String, String> AGENT_VARIABLES = new LinkedHashMap<>();

  static {
    AGENT_VARIABLES.put("AI_AGENT", null); // the value names the agent
    AGENT_VARIABLES.put("CLAUDECODE", "Claude Code");
    AGENT_VARIABLES.put("CLAUDE_CODE_ENTRYPOINT", "Claude Code");
    AGENT_VARIABLES.put("GEMINI_CLI", "Gemini CLI");
    AGENT_VARIABLES.put("CURSOR_AGENT", "Cursor Agent");
    AGENT_VARIABLES.put("CODEX_SANDBOX", "Codex");
    AGENT_VARIABLES.put("CODEX_SANDBOX_NETWORK_DISABLED", "Codex");
    AGENT_VARIABLES.put("CODEX_THREAD_ID", "Codex");
    AGENT_VARIABLES.put("REPLIT_CLI", "Replit");
  }

  // whole replies that agree without saying to what, compared without punctuation and case
  private static final Set<String> BARE_YES =
      Set.of(
          "i consent",
          "yes i consent",
          "i do consent",
          "yes go ahead",
          "ok go ahead",
          "yes do it",
          "just do it",
          "go ahead",
          "i agree",
          "yes i agree",
          "i approve");

  // whole replies that report consent instead of quoting it
  private static final Set<String> REPORTED =
      Set.of(
          "user consents",
          "the user consents",
          "user consented",
          "the user consented",
          "user gave consent",
          "the user gave consent",
          "user has consented",
          "the user has consented",
          "user approved",
          "the user approved",
          "user approves",
          "the user approves",
          "user agreed",
          "the user agreed",
          "user agrees",
          "the user agrees",
          "user confirmed",
          "the user confirmed",
          "user said yes",
          "the user said yes",
          "consent given",
          "consent granted",
          "consent was given",
          "approved by user",
          "approved by the user",
          "confirmed by user",
          "confirmed by the user");

  // template or placeholder text: an agent filling in a form rather than quoting a person; each
  // with what it is, for the refusal
  private static final Map<Pattern, String> PLACEHOLDERS = new LinkedHashMap<>();

  static {
    PLACEHOLDERS.put(
        Pattern.compile("<[^>]*>|\\{\\{[^}]*\\}\\}|\\{\\{|\\}\\}|\\$\\{[^}]*\\}?"),
        "it holds the template text %s where the user's words belong");
    PLACEHOLDERS.put(
        Pattern.compile("\\$[A-Z_]{3,}"),
        "it holds %s, a variable name the shell did not expand, instead of the user's words");
    PLACEHOLDERS.put(
        Pattern.compile("(?i)\\b(todo|tbd|fixme|xxx+|placeholder|lorem ipsum)\\b"),
        "it holds the placeholder %s instead of the user's words");
    PLACEHOLDERS.put(
        Pattern.compile(
            "(?i)(user'?s|their) own words"
                + "|\\b(insert|paste|put) (the |their |user'?s )?(consent|words|reply)"
                + "|\\buser (consent|approval|reply) (here|goes here)\\b"),
        "it describes the user's reply (%s) instead of quoting it");
  }

  // replies that begin by reporting consent: "the user approved ...", "consent given by ..."
  private static final Pattern USER_APPROVED =
      Pattern.compile(
          "(?i)^((the )?user (has )?(approved|consented|agreed|confirmed|said yes|gave consent)"
              + "|(consent|approval) (was |has been )?(given|granted|received|obtained)"
              + "|(approved|confirmed|agreed) by (the )?user)\\b.*");

  private AgentConsent() {}

  /**
   * What the environment says about who runs the tool and what they agreed to.
   *
   * @param agent the agent detected, e.g. {@code Claude Code}; null when none is detected
   * @param variable the variable that showed the agent; null when none is detected
   * @param consent the text of {@value #VARIABLE}, trimmed; null when it is not set
   */
  public record Check(String agent, String variable, String consent) {
    public boolean agentDetected() {
      return agent != null;
    }
  }

  /**
   * Detects an agent and reads the consent, without judging it. For read-only commands, or to
   * record who ran a command.
   */
  public static Check inspect(Map<String, String> env) {
    String agent = null;
    String variable = null;
    for (Map.Entry<String, String> e : AGENT_VARIABLES.entrySet()) {
      String value = env.get(e.getKey());
      if (value != null && !value.isBlank()) {
        variable = e.getKey();
        agent = e.getValue() != null ? e.getValue() : agentName(value);
        break;
      }
    }
    String consent = env.get(VARIABLE);
    consent = consent == null || consent.isBlank() ? null : consent.strip();
    return new Check(agent, variable, consent);
  }

  /**
   * The check for a destructive command: returns normally when no agent is detected, or when an
   * agent is detected and {@value #VARIABLE} holds the user's own words. The returned check carries
   * the consent text (also when no agent is detected and the variable happens to be set) for the
   * audit log.
   *
   * @param command the command about to change the database, e.g. {@code reset}
   * @throws ExitException REFUSED when an agent is detected without acceptable consent; the message
   *     tells the agent to stop, show the plan to the user and ask
   */
  public static Check require(Map<String, String> env, String command) {
    Check check = inspect(env);
    if (!check.agentDetected()) {
      return check;
    }
    String who = check.agent() + " is running this tool (" + check.variable() + " is set)";
    if (check.consent() == null) {
      throw ExitException.refused(
          who
              + ", and '"
              + command
              + "' changes the database, so it needs the user's consent: stop here, show the user "
              + preview(command, env)
              + ", ask whether to go ahead, and run again with "
              + VARIABLE
              + " set to the user's reply in their own words. Nothing was changed.");
    }
    String weakness = weakness(check.consent());
    if (weakness != null) {
      throw ExitException.refused(
          who
              + ", and "
              + VARIABLE
              + "="
              + quoted(check.consent())
              + " is not the user's own words of consent ("
              + weakness
              + "): stop here, show the user "
              + previewShort(command)
              + ", ask whether to '"
              + command
              + "', and pass their reply as they wrote it. Nothing was changed.");
    }
    return check;
  }

  /** What the user sees before they decide, and the command that shows it. */
  private static String preview(String command, Map<String, String> env) {
    String program = Program.command(env);
    return switch (command) {
      case "reset" -> "the plan (" + program + " plan with the same target and policy options)";
      case "restore" ->
          "what it would load (" + program + " restore --dry-run with the same file and options)";
      default -> "what '" + command + "' would do";
    };
  }

  private static String previewShort(String command) {
    return switch (command) {
      case "reset" -> "the plan";
      case "restore" -> "the restore preview (restore --dry-run)";
      default -> "what '" + command + "' would do";
    };
  }

  /** Why {@code text} is not acceptable as the user's words; null when it is. */
  static String weakness(String text) {
    String t = text.strip();
    for (Map.Entry<Pattern, String> p : PLACEHOLDERS.entrySet()) {
      Matcher m = p.getKey().matcher(t);
      if (m.find()) {
        return String.format(Locale.ROOT, p.getValue(), fragment(m.group()));
      }
    }
    String normal =
        t.toLowerCase(Locale.ROOT)
            .replaceAll("[^\\p{L}\\p{N}\\s]", " ")
            .trim()
            .replaceAll("\\s+", " ");
    String[] tokens = normal.isEmpty() ? new String[0] : normal.split(" ");
    long words = 0;
    Set<String> distinct = new java.util.HashSet<>();
    for (String token : tokens) {
      if (token.chars().anyMatch(Character::isLetter)) {
        words++;
        distinct.add(token);
      }
    }
    long letters = t.chars().filter(Character::isLetter).count();
    if (REPORTED.contains(normal) || USER_APPROVED.matcher(normal).matches()) {
      return "it reports that the user agreed instead of quoting what they said";
    }
    if (BARE_YES.contains(normal)) {
      return "it agrees without saying to what: the user's own words must say what they approve";
    }
    String need =
        ": the user's own words must say what they approve, in at least "
            + MIN_DIFFERENT_WORDS
            + " different words";
    if (distinct.size() < MIN_DIFFERENT_WORDS) {
      if (words > 1 && distinct.size() == 1) {
        return "it repeats one word, '" + fragment(distinct.iterator().next()) + "'" + need;
      }
      return switch (distinct.size()) {
        case 0 -> "it has no words" + need;
        case 1 -> "it is one word" + need;
        default -> "it has only " + distinct.size() + " different words" + need;
      };
    }
    if (letters < MIN_LETTERS) {
      return "it has only "
          + letters
          + " letters, too few to say what is approved (at least "
          + MIN_LETTERS
          + " are needed)";
    }
    return null;
  }

  /** A part of the consent text, safe and short enough to show in a one-line refusal. */
  private static String fragment(String part) {
    String f = Redaction.redact(part.replaceAll("\\s+", " "));
    return f.length() > 40 ? f.substring(0, 40) + "..." : f;
  }

  private static String agentName(String value) {
    // AI_AGENT=claude-code@1.2 -> claude-code
    String name = value.strip();
    int at = name.indexOf('@');
    if (at > 0) {
      name = name.substring(0, at);
    }
    name = name.replaceAll("[^A-Za-z0-9 ._-]", "");
    if (name.length() > 40) {
      name = name.substring(0, 40);
    }
    return name.isEmpty() ? "An AI agent" : name;
  }

  private static String quoted(String consent) {
    String c = Redaction.redact(consent.replaceAll("\\s+", " "));
    if (c.length() > 60) {
      c = c.substring(0, 60) + "...";
    }
    return "'" + c + "'";
  }
}

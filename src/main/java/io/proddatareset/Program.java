package io.proddatareset;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How to write this program and its arguments in a command the tool prints for the user (how to
 * restore, what to run next), so that the command can be run exactly as printed.
 */
public final class Program {
  /**
   * Set by the launcher script to the path it was run by, e.g. {@code ./prod-data-reset} from the
   * checkout, or to {@code prod-data-reset} when it was found on the PATH.
   */
  public static final String LAUNCHER_VARIABLE = "PDR_LAUNCHER";

  /** The name used when no launcher says how the program was run. */
  public static final String NAME = "prod-data-reset";

  // words the shell reads as they are: no quoting needed
  private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

  private Program() {}

  /** The program as the user ran it, as one shell word; {@value #NAME} when no launcher says. */
  public static String command(Map<String, String> env) {
    String launcher = env.get(LAUNCHER_VARIABLE);
    if (launcher == null
        || launcher.isBlank()
        || launcher.chars().anyMatch(Character::isISOControl)) {
      return NAME;
    }
    String word = quote(launcher);
    // a first word with '=' would be read as a variable assignment, unless quoted
    return word.equals(launcher) && launcher.contains("=") ? "'" + launcher + "'" : word;
  }

  /** The program followed by the arguments, each quoted for a POSIX shell. */
  public static String commandLine(Map<String, String> env, List<String> args) {
    StringBuilder sb = new StringBuilder(command(env));
    for (String arg : args) {
      sb.append(' ').append(quote(arg));
    }
    return sb.toString();
  }

  /**
   * One argument quoted for a POSIX shell: as it is when the shell would read it unchanged,
   * otherwise in single quotes, with each single quote written as {@code '\''}.
   */
  public static String quote(String arg) {
    if (PLAIN_WORD.matcher(arg).matches()) {
      return arg;
    }
    return "'" + arg.replace("'", "'\\''") + "'";
  }
}

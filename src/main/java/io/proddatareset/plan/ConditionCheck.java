package io.proddatareset.plan;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.Table;
import io.proddatareset.pg.SqlComments;
import io.proddatareset.pg.SqlState;
import io.proddatareset.pg.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * Checks a {@code --where} condition, which is the user's SQL, before the tool uses it.
 *
 * <p>The condition only ever goes inside the {@code WHERE (...)} of the tool's own statements,
 * between parentheses and on lines of its own. {@link #lex} makes sure it cannot leave them: no
 * {@code ;} outside quotes and comments (a second statement), parentheses balanced (no closing the
 * tool's parenthesis early), no quote, dollar quote or block comment left open. {@link #check} then
 * has the server parse it in a read-only transaction that is rolled back.
 */
public final class ConditionCheck {
  private ConditionCheck() {}

  /**
   * The statement that checks {@code condition} on {@code table}: the server parses and plans it
   * (unknown columns, types, syntax) but {@code LIMIT 0} reads no row.
   */
  static String checkStatement(Table table, String condition) {
    return "SELECT 1 FROM " + table.sqlOwnRows() + " WHERE (\n" + condition + "\n) LIMIT 0";
  }

  /**
   * Has the server check {@code condition} on {@code table}, in a {@code READ ONLY} transaction of
   * its own that is rolled back (the connection must be in auto-commit mode; it is left as it was).
   *
   * @throws ExitException USAGE with the server's message when the condition is not valid there, or
   *     with the reason when {@link #lex} refuses it
   */
  public static void check(Connection connection, Table table, String condition) {
    lex(condition)
        .ifPresent(
            why -> {
              throw ExitException.usage(
                  "The condition on " + table.name().display() + " cannot be used: " + why + ".");
            });
    try {
      Transactions.readOnlySnapshot(
          connection,
          c -> {
            try (Statement st = c.createStatement()) {
              st.executeQuery(checkStatement(table, condition)).close();
            }
            return null;
          });
    } catch (SQLException e) {
      if (SqlState.isCircumstantial(e)) {
        // a lost connection, a lock not granted in time: the moment's, not the condition's
        throw ExitException.failure(
            "Could not check the condition on "
                + table.name().display()
                + ": "
                + ExitException.firstLine(e.getMessage())
                + ". Nothing was changed.",
            e);
      }
      throw ExitException.usage(
          "The condition on "
              + table.name().display()
              + " was refused by the server: "
              + ExitException.firstLine(e.getMessage())
              + "; nothing was changed, correct the --where condition.");
    }
  }

  /**
   * Why {@code condition} cannot go inside a {@code WHERE (...)}, if it cannot: a {@code ;} outside
   * quotes and comments, unbalanced parentheses, or an unterminated quote, dollar quote or block
   * comment. Reads it as the server's lexer does: single quotes (with {@code E''} backslash
   * escapes), double-quoted names, {@code $tag$} dollar quotes, {@code --} line comments and nested
   * block comments; and since the tool does not know the server's {@code
   * standard_conforming_strings}, reads it both with it on and with it off.
   */
  public static Optional<String> lex(String condition) {
    Optional<Problem> standard = scan(condition, false);
    if (standard.isPresent()) {
      return standard.map(Problem::why);
    }
    // read again as a server with standard_conforming_strings off would (a backslash escapes in
    // every string): an unterminated string there is only a syntax error, but a ';' or a
    // parenthesis outside the strings would escape the WHERE
    return scan(condition, true)
        .filter(p -> !p.unterminated())
        .map(p -> p.why() + " (where a backslash escapes a quote)");
  }

  /** Why a condition is refused; {@code unterminated} for a quote or comment left open. */
  private record Problem(String why, boolean unterminated) {
    static Optional<Problem> open(String why) {
      return Optional.of(new Problem(why, true));
    }

    static Optional<Problem> outside(String why) {
      return Optional.of(new Problem(why, false));
    }
  }

  private static Optional<Problem> scan(String s, boolean escapesEverywhere) {
    int depth = 0;
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\'') {
        boolean escapes =
            escapesEverywhere
                || i > 0
                    && (s.charAt(i - 1) == 'E' || s.charAt(i - 1) == 'e')
                    && (i < 2 || !identifierChar(s.charAt(i - 2)));
        int end = endOfString(s, i, escapes);
        if (end < 0) {
          return Problem.open("it has an unterminated quoted string");
        }
        i = end;
      } else if (c == '"') {
        int end = s.indexOf('"', i + 1);
        if (end < 0) {
          return Problem.open("it has an unterminated double quote");
        }
        i = end + 1;
      } else if (c == '-' && s.startsWith("--", i)) {
        int end = s.indexOf('\n', i);
        i = end < 0 ? s.length() : end + 1;
      } else if (c == '/' && s.startsWith("/*", i)) {
        int end = SqlComments.endOfBlockComment(s, i);
        if (end < 0) {
          return Problem.open("it has an unterminated /* comment");
        }
        i = end;
      } else if (c == '$' && (i == 0 || !identifierChar(s.charAt(i - 1)))) {
        int tagEnd = dollarTagEnd(s, i);
        if (tagEnd < 0) {
          i++; // $1, or a lone $: not a quote
          continue;
        }
        String tag = s.substring(i, tagEnd + 1);
        int close = s.indexOf(tag, tagEnd + 1);
        if (close < 0) {
          return Problem.open("it has an unterminated " + tag + " quote");
        }
        i = close + tag.length();
      } else if (c == ';') {
        return Problem.outside(
            "it contains ';': a condition is one expression, never a second statement");
      } else if (c == '(') {
        depth++;
        i++;
      } else if (c == ')') {
        if (--depth < 0) {
          return Problem.outside("it closes a parenthesis it did not open");
        }
        i++;
      } else {
        i++;
      }
    }
    if (depth > 0) {
      return Problem.outside("it leaves " + depth + " parenthesis(es) open");
    }
    return Optional.empty();
  }

  private static boolean identifierChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }

  /** The index after the closing quote of the string opened at {@code open}, or -1. */
  private static int endOfString(String s, int open, boolean backslashEscapes) {
    int i = open + 1;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == '\'') {
        if (i + 1 < s.length() && s.charAt(i + 1) == '\'') {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return -1;
  }

  /**
   * The index of the closing {@code $} of a dollar-quote tag starting at {@code dollar} ({@code $$}
   * or {@code $tag$}, a tag being an identifier that does not start with a digit), or -1.
   */
  private static int dollarTagEnd(String s, int dollar) {
    int i = dollar + 1;
    if (i < s.length() && Character.isDigit(s.charAt(i))) {
      return -1;
    }
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '$') {
        return i;
      }
      if (!(Character.isLetterOrDigit(c) || c == '_')) {
        return -1;
      }
      i++;
    }
    return -1;
  }
}

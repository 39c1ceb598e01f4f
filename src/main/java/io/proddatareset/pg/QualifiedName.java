package io.proddatareset.pg;

import io.proddatareset.ExitException;
import java.util.ArrayList;
import java.util.List;

/**
 * A relation name, optionally schema-qualified, as read from text. Two readers share one quoting
 * rule (double quotes delimit a name, a doubled quote inside stands for one): {@link #parse} reads
 * a name as a user typed it, with no case folding; {@link SqlNames#qualifiedName} reads one as SQL
 * text writes it, folding unquoted names as the server does.
 *
 * @param schema the schema, or null when not qualified
 * @param name the relation's name
 */
public record QualifiedName(String schema, String name) {

  /**
   * Reads a table name as the user wrote it: {@code users}, {@code "Genre"}, {@code Genre}, {@code
   * app."Audit Log"}. Quotes only delimit; there is no case folding, so {@code Genre} and {@code
   * "Genre"} both name the table "Genre" and {@code genre} does not. Surrounding spaces are
   * ignored.
   *
   * @throws ExitException USAGE saying why the text is not a name
   */
  public static QualifiedName parse(String text) {
    List<String> parts = parts(text.strip(), text);
    if (parts.size() == 1) {
      return new QualifiedName(null, parts.get(0));
    }
    if (parts.size() == 2) {
      return new QualifiedName(parts.get(0), parts.get(1));
    }
    throw bad(text, "use table or schema.table");
  }

  /**
   * Reads a schema name as the user wrote it: one part, bare or double-quoted.
   *
   * @throws ExitException USAGE saying why the text is not a schema name
   */
  public static String parseSchema(String text) {
    List<String> parts = parts(text.strip(), text);
    if (parts.size() != 1) {
      throw ExitException.usage(
          "Cannot read the schema name '" + text + "': quote a name that contains a dot.");
    }
    return parts.get(0);
  }

  private static List<String> parts(String s, String original) {
    List<String> parts = new ArrayList<>();
    int i = 0;
    while (true) {
      StringBuilder part = new StringBuilder();
      if (i < s.length() && s.charAt(i) == '"') {
        i = SqlNames.readQuoted(s, i, part);
        if (i < 0) {
          throw bad(original, "unterminated double quote");
        }
        if (i < s.length() && s.charAt(i) != '.') {
          throw bad(original, "unexpected text after a quoted name");
        }
      } else {
        while (i < s.length() && s.charAt(i) != '.') {
          char c = s.charAt(i++);
          if (c == '"') {
            throw bad(original, "a double quote must enclose the whole name");
          }
          part.append(c);
        }
      }
      if (part.isEmpty()) {
        throw bad(original, "empty name");
      }
      parts.add(part.toString());
      if (i >= s.length()) {
        return parts;
      }
      i++; // the dot
    }
  }

  private static ExitException bad(String text, String why) {
    return ExitException.usage("Cannot read the table name '" + text + "': " + why + ".");
  }
}

package io.proddatareset.plan;

import io.proddatareset.ExitException;
import java.util.ArrayList;
import java.util.List;

/**
 * A table name as the user wrote it: {@code users}, {@code "Genre"}, {@code Genre}, {@code
 * app."Audit Log"}. Quotes only delimit; there is no case folding, so {@code Genre} and {@code
 * "Genre"} both name the table "Genre" and {@code genre} does not.
 *
 * @param schema the schema, or null when not qualified
 * @param name the table name
 * @param text the text as given, for messages
 */
record QualifiedName(String schema, String name, String text) {

  /** Parses one or two dot-separated parts, each bare or double-quoted. */
  static QualifiedName parse(String text) {
    List<String> parts = parts(text.strip(), text);
    if (parts.size() == 1) {
      return new QualifiedName(null, parts.get(0), text.strip());
    }
    if (parts.size() == 2) {
      return new QualifiedName(parts.get(0), parts.get(1), text.strip());
    }
    throw bad(text, "use table or schema.table");
  }

  /** Parses a schema name: one part, bare or double-quoted. */
  static String parseSchema(String text) {
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
        i++;
        boolean closed = false;
        while (i < s.length()) {
          char c = s.charAt(i++);
          if (c == '"') {
            if (i < s.length() && s.charAt(i) == '"') {
              part.append('"');
              i++;
            } else {
              closed = true;
              break;
            }
          } else {
            part.append(c);
          }
        }
        if (!closed) {
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
      String p = part.toString();
      if (p.isEmpty()) {
        throw bad(original, "empty name");
      }
      parts.add(p);
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

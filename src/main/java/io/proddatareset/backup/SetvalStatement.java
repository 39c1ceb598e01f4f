package io.proddatareset.backup;

import io.proddatareset.pg.Identifiers;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code SELECT pg_catalog.setval('seq', value, is_called);} line.
 *
 * @param sequence the sequence name as the literal holds it, e.g. {@code public."Seq"}; restore
 *     passes it to the server as a bind parameter cast to regclass
 */
record SetvalStatement(String sequence, long value, boolean isCalled) {
  private static final Pattern LINE =
      Pattern.compile(
          "(?i)^SELECT\\s+(?:pg_catalog\\.)?setval\\(\\s*'((?:[^']|'')*)'(?:::regclass)?\\s*,"
              + "\\s*(-?\\d+)\\s*,\\s*(true|false)\\s*\\)\\s*;\\s*$");

  /** The line as pg_dump writes it. */
  String line() {
    return "SELECT pg_catalog.setval("
        + Identifiers.literal(sequence)
        + ", "
        + value
        + ", "
        + isCalled
        + ");";
  }

  /** Parses a setval line; null when the line is not one. */
  static SetvalStatement parse(String line) {
    Matcher m = LINE.matcher(line);
    if (!m.matches()) {
      return null;
    }
    return new SetvalStatement(
        m.group(1).replace("''", "'"),
        Long.parseLong(m.group(2)),
        Boolean.parseBoolean(m.group(3).toLowerCase(java.util.Locale.ROOT)));
  }
}

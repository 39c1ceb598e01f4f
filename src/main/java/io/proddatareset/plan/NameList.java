package io.proddatareset.plan;

import io.proddatareset.ExitException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits the lists given to {@code --schema}, {@code --keep} and {@code --reset}: comma-separated,
 * commas and dots inside double quotes belong to the name.
 */
final class NameList {
  private NameList() {}

  /** Splits each value on commas outside double quotes; blank items are dropped. */
  static List<String> split(List<String> values) {
    List<String> out = new ArrayList<>();
    for (String value : values) {
      StringBuilder item = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c == '"') {
          quoted = !quoted;
        }
        if (c == ',' && !quoted) {
          add(out, item);
          item.setLength(0);
        } else {
          item.append(c);
        }
      }
      if (quoted) {
        throw ExitException.usage("Unbalanced double quote in '" + value + "'.");
      }
      add(out, item);
    }
    return out;
  }

  private static void add(List<String> out, StringBuilder item) {
    String s = item.toString().strip();
    if (!s.isEmpty()) {
      out.add(s);
    }
  }
}

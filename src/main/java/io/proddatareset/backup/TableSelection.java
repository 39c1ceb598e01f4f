package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.TableName;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Picks tables by the names a user gave ({@code --only}): {@code users}, {@code "Genre"}, {@code
 * app."Audit Log"}. Quotes only delimit and there is no case folding, as in the policy options:
 * {@code Genre} and {@code "Genre"} both name "Genre". An unqualified name must match one table.
 */
public final class TableSelection {
  private TableSelection() {}

  /**
   * @throws ExitException USAGE naming what matched nothing (with what there is) or several tables
   */
  public static Set<TableName> resolve(List<String> names, List<TableName> available) {
    Set<TableName> out = new LinkedHashSet<>();
    List<String> unknown = new ArrayList<>();
    for (String raw : names) {
      if (raw.isBlank()) {
        continue;
      }
      String[] parts = split(raw.strip());
      List<TableName> matches =
          available.stream()
              .filter(t -> t.name().equals(parts[1]))
              .filter(t -> parts[0] == null || t.schema().equals(parts[0]))
              .toList();
      if (matches.isEmpty()) {
        unknown.add(raw.strip());
      } else if (matches.size() > 1) {
        throw ExitException.usage(
            "'"
                + raw.strip()
                + "' names several tables ("
                + matches.stream().map(TableName::display).collect(Collectors.joining(", "))
                + "): qualify it with its schema.");
      } else {
        out.add(matches.get(0));
      }
    }
    if (!unknown.isEmpty()) {
      throw ExitException.usage(
          "Not in the backup: "
              + String.join(", ", unknown)
              + ". It holds: "
              + available.stream().map(TableName::display).collect(Collectors.joining(", "))
              + ".");
    }
    return out;
  }

  /** [schema or null, name]. */
  static String[] split(String s) {
    List<String> parts = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        if (quoted && i + 1 < s.length() && s.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else {
          quoted = !quoted;
        }
      } else if (c == '.' && !quoted) {
        parts.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    parts.add(cur.toString());
    if (quoted || parts.size() > 2 || parts.stream().anyMatch(String::isEmpty)) {
      throw ExitException.usage(
          "Cannot read the table name '" + s + "': use table or schema.table.");
    }
    return parts.size() == 1
        ? new String[] {null, parts.get(0)}
        : new String[] {parts.get(0), parts.get(1)};
  }
}

package io.proddatareset.plan;

import io.proddatareset.catalog.TableName;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A column that looks like a reference to a table with deleted rows but has no foreign key (nor a
 * virtual reference): named {@code <singular>_id} or {@code <table>_id} of that table, of the type
 * of its one-column primary key. Listed only when some of its matching rows are not in the closure:
 * those would be left pointing at deleted rows.
 *
 * @param matchingRows rows of {@code child} whose {@code column} holds the key of a deleted row
 * @param alreadyDeleted how many of those the closure deletes anyway (through other keys)
 */
public record UndeclaredReference(
    TableName child,
    String column,
    TableName parent,
    String parentColumn,
    long matchingRows,
    long alreadyDeleted) {

  /** The option that would make the closure follow it. */
  public String referenceOption() {
    return "--reference '"
        + RowSelection.VirtualReference.display(
            child, List.of(column), parent, List.of(parentColumn))
        + "'";
  }

  /** {@code organization_id} and {@code organizations_id} for {@code organizations}. */
  static Set<String> referenceNames(String table) {
    Set<String> out = new LinkedHashSet<>();
    out.add(singular(table) + "_id");
    out.add(table + "_id");
    return out;
  }

  /** An English plural made singular by the common rules: companies, addresses, boxes, users. */
  static String singular(String plural) {
    String s = plural;
    String lower = s.toLowerCase(Locale.ROOT);
    if (lower.endsWith("ies") && s.length() > 3) {
      return s.substring(0, s.length() - 3) + "y";
    }
    for (String end : List.of("sses", "shes", "ches", "xes", "zes")) {
      if (lower.endsWith(end)) {
        return s.substring(0, s.length() - 2);
      }
    }
    if (lower.endsWith("s") && !lower.endsWith("ss") && s.length() > 1) {
      return s.substring(0, s.length() - 1);
    }
    return s;
  }
}

package io.proddatareset.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * Which tables a reset empties and which it keeps, as the user said it: names as written (quoted or
 * not, optionally schema-qualified), not yet matched against a database. {@link Classifier} applies
 * it to a catalog.
 *
 * <ul>
 *   <li>only {@code keep}: every other table in the schemas is reset;
 *   <li>only {@code reset}: only those tables are reset, every other table is kept;
 *   <li>both: every table must be named in one of them, or the plan is refused (the policy is
 *       stale);
 *   <li>migration-history tables are kept unless named in {@code reset}.
 * </ul>
 *
 * @param schemas the schemas in scope, names exactly as in the database (default {@code public})
 * @param keep table names to keep
 * @param reset table names to reset
 * @param source where the policy came from, for messages (options, a file, or both)
 */
public record Policy(List<String> schemas, List<String> keep, List<String> reset, String source) {
  public static final List<String> DEFAULT_SCHEMAS = List.of("public");

  public Policy {
    schemas = List.copyOf(schemas.isEmpty() ? DEFAULT_SCHEMAS : schemas);
    keep = List.copyOf(keep);
    reset = List.copyOf(reset);
  }

  /**
   * A policy from option values: each list item may hold several comma-separated names; schema
   * names may be double-quoted.
   */
  public static Policy of(List<String> schemas, List<String> keep, List<String> reset) {
    return new Policy(
        NameList.split(schemas).stream().map(QualifiedName::parseSchema).distinct().toList(),
        NameList.split(keep),
        NameList.split(reset),
        "options");
  }

  /** Keeps exactly these tables (names as the user would type them). */
  public static Policy keeping(String... keep) {
    return of(List.of(), List.of(keep), List.of());
  }

  /**
   * This policy with {@code other}'s names added; {@code other}'s schemas replace these only when
   * this policy has none of its own beyond the default.
   */
  public Policy plus(Policy other, boolean otherSchemasWin) {
    List<String> k = new ArrayList<>(keep);
    other.keep.stream().filter(n -> !k.contains(n)).forEach(k::add);
    List<String> r = new ArrayList<>(reset);
    other.reset.stream().filter(n -> !r.contains(n)).forEach(r::add);
    return new Policy(
        otherSchemasWin ? other.schemas : schemas, k, r, source + " and " + other.source);
  }

  /** True when neither list names a table. */
  public boolean empty() {
    return keep.isEmpty() && reset.isEmpty();
  }
}

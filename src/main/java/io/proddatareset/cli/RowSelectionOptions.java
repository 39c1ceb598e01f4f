package io.proddatareset.cli;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.RowSelection;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The rows to reset instead of whole tables: {@code --where}, {@code --reference}, {@code
 * --tenant-key}. Added to the policy's own ({@code where:}, {@code references:}, {@code
 * tenant-key:} of a policy file) by {@link #addTo}; resolved against a catalog by {@link #resolve}.
 */
public class RowSelectionOptions {
  @Option(
      names = "--where",
      paramLabel = "'TABLE: CONDITION'",
      description =
          "Reset rows, not whole tables: the rows of TABLE matching the SQL condition, and every"
              + " row that depends on them through foreign keys (deleted, or updated for ON DELETE"
              + " SET NULL / SET DEFAULT keys). Repeatable. TABLE is named as in --keep; the split"
              + " is at the first colon outside a double-quoted name. Tables the selection does"
              + " not reach are untouched; with it, --keep names tables it must never reach and"
              + " --reset tables to empty whole.")
  List<String> where = new ArrayList<>();

  @Option(
      names = "--reference",
      paramLabel = "'CHILD(COL, ...) -> PARENT(COL, ...)'",
      description =
          "A reference the schema does not declare, followed like a NO ACTION foreign key by"
              + " --where: the CHILD rows whose columns hold the key of a selected PARENT row are"
              + " deleted too. Repeatable.")
  List<String> references = new ArrayList<>();

  @Option(
      names = "--tenant-key",
      paramLabel = "COLUMN",
      description =
          "With one --where table (the tenants): every table with a COLUMN of the type of the"
              + " tenants' primary key references it, declared or not (a --reference for each).")
  String tenantKey;

  /** The values as given. */
  public Policy.Rows rows() {
    return new Policy.Rows(where, references, tenantKey);
  }

  /** {@code policy} with these values added to its own (a policy file's {@code where:}, ...). */
  public Policy addTo(Policy policy) {
    return policy.withRows(rows());
  }

  /**
   * The selection of {@code policy} (a policy file's keys) and of these options, resolved against
   * {@code catalog}; {@link RowSelection#none()} when neither selects rows. A policy that already
   * has these options added ({@link #addTo}) gives the same selection: each text counts once.
   *
   * @throws io.proddatareset.ExitException USAGE naming every value that cannot be read or
   *     resolved, with a suggestion for a table name that matches none
   */
  public RowSelection resolve(Catalog catalog, KeyDetails keys, Policy policy) {
    Policy.Rows all = policy.rows().plus(rows());
    return all.selects() ? all.resolve(catalog, keys) : RowSelection.none();
  }

  /**
   * The options as given, to repeat them in a command the tool prints; null when one of them cannot
   * be shown on one line (a condition with a line break), as {@link PolicyOptions#asGiven()}.
   */
  List<String> asGiven() {
    List<String> args = new ArrayList<>();
    where.forEach(v -> args.addAll(List.of("--where", v)));
    references.forEach(v -> args.addAll(List.of("--reference", v)));
    if (tenantKey != null) {
      args.addAll(List.of("--tenant-key", tenantKey));
    }
    return args.stream().anyMatch(a -> a.chars().anyMatch(Character::isISOControl)) ? null : args;
  }
}

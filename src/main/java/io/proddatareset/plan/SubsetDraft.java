package io.proddatareset.plan;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.TableName;
import java.util.ArrayList;
import java.util.List;

/**
 * The row selection's part of a policy file written by {@code policy init --where}: the {@code
 * where:}, {@code references:} and {@code tenant-key:} keys, and the tables the selection reaches
 * as comments (listed under {@code keep:} they would refuse it; under {@code reset:} they would be
 * emptied whole).
 */
final class SubsetDraft {
  private SubsetDraft() {}

  static void append(
      StringBuilder out, ResetPlan plan, List<PlannedTable> reached, boolean qualify) {
    RowSelection selection = plan.subset().selection();
    out.append(
            "# With where:, only the rows selected and the rows that depend on them are reset;\n")
        .append(
            "# keep: lists tables the selection must never reach, reset: tables emptied whole.\n");
    if (!reached.isEmpty()) {
      out.append("# Reached by the selection now (in neither list):\n");
      for (PlannedTable t : reached) {
        RowClosure.Reached r = plan.subset().closure().table(t.name()).orElseThrow();
        out.append("#   ")
            .append(PolicyDraft.printable(PolicyDraft.nameText(t.name(), qualify)))
            .append(": ")
            .append(r.deleteRows())
            .append(" deleted, ")
            .append(r.updateRows())
            .append(" updated\n");
      }
    }
    out.append("where:\n");
    for (RowSelection.Condition c : selection.conditions()) {
      out.append("  ")
          .append(PolicyDraft.yamlScalar(PolicyDraft.nameText(c.table(), qualify)))
          .append(": ")
          .append(PolicyDraft.yamlScalar(c.sql()))
          .append('\n');
    }
    List<String> given =
        selection.references().stream()
            .filter(r -> r.origin().startsWith("--reference"))
            .map(RowSelection.VirtualReference::display)
            .toList();
    if (!given.isEmpty()) {
      out.append("references:\n");
      given.forEach(r -> out.append("  - ").append(PolicyDraft.yamlScalar(r)).append('\n'));
    }
    if (selection.tenantKey() != null) {
      out.append("tenant-key: ").append(PolicyDraft.yamlScalar(selection.tenantKey())).append('\n');
    }
  }

  /** Checks that the file's {@code where:} reads back as the selection it was written from. */
  static void checkReadBack(Catalog catalog, RowSelection selection, Policy readBack) {
    List<String> back = new ArrayList<>();
    for (String text : readBack.rows().where()) {
      RowSelection.ParsedWhere parsed = RowSelection.parseWhere(text);
      List<String> errors = new ArrayList<>();
      TableName table = Classifier.resolve(catalog, parsed.table(), text, errors).orElseThrow();
      back.add(table.sql() + "\n" + parsed.condition());
    }
    List<String> expected =
        selection.conditions().stream().map(c -> c.table().sql() + "\n" + c.sql()).toList();
    if (!back.equals(expected)) {
      throw new IllegalStateException(
          "the generated policy's where: reads back as " + back + ", not " + expected);
    }
  }
}

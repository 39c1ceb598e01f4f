package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.Sizes;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import io.proddatareset.plan.Action;
import io.proddatareset.plan.ClosureEdge;
import io.proddatareset.plan.PlannedTable;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.plan.RowClosure;
import io.proddatareset.plan.RowSelection;
import io.proddatareset.plan.SubsetPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The parts of a subset plan's text that differ from a whole-table plan's: the selection, one line
 * per table and action (rows to delete, rows to update, tables reset whole, tables kept) with the
 * keys by which each table is reached, and the order of the deletes.
 */
final class SubsetPlanText {
  private SubsetPlanText() {}

  /** One entry of the table section: a table and what the plan does to it. */
  record Entry(
      TableName name,
      String action,
      long rows,
      boolean rowsExact,
      Long sizeBytes,
      String why,
      ClosureEdge byKey) {}

  /**
   * Every table with its action: a table whose rows are deleted and others updated has two entries;
   * a table the closure reaches outside the schemas in scope is listed too.
   */
  static List<Entry> entries(ResetPlan plan) {
    SubsetPlan subset = plan.subset();
    List<Entry> out = new ArrayList<>();
    for (PlannedTable t : plan.tables()) {
      Optional<RowClosure.Reached> reached = subset.closure().table(t.name());
      if (t.action() == Action.RESET) {
        out.add(entry(t.name(), "reset", t.rows(), t.rowsExact(), t.sizeBytes(), t.reason()));
      } else if (reached.isPresent() && subset.touches(t.name())) {
        addClosure(out, plan, reached.get(), t.sizeBytes());
      } else {
        out.add(
            entry(t.name(), t.action().word(), t.rows(), t.rowsExact(), t.sizeBytes(), t.reason()));
      }
    }
    for (RowClosure.Reached r : subset.closure().tables()) {
      if (plan.table(r.table()).isEmpty() && subset.touches(r.table())) {
        addClosure(out, plan, r, null);
      }
    }
    return out;
  }

  private static Entry entry(
      TableName name, String action, long rows, boolean exact, Long size, String why) {
    return new Entry(name, action, rows, exact, size, why, null);
  }

  private static void addClosure(List<Entry> out, ResetPlan plan, RowClosure.Reached r, Long size) {
    String why =
        !r.selected()
            ? path(r)
            : plan.subset().selection().everyRow(r.table())
                ? SubsetPlan.EVERY_ROW
                : "selected by --where";
    ClosureEdge last = r.path().isEmpty() ? null : r.path().get(r.path().size() - 1);
    if (size == null) {
      why += " (outside the schemas in scope)";
    }
    if (r.deleteRows() > 0) {
      out.add(new Entry(r.table(), "delete", r.deleteRows(), true, size, why, last));
    }
    if (r.updateRows() > 0) {
      out.add(
          new Entry(
              r.table(),
              "update",
              r.updateRows(),
              true,
              size,
              r.deleteRows() > 0 || r.selected() ? "other rows, " + updatedBy(plan, r) : why,
              last));
    }
  }

  /**
   * {@code public.projects > public.epics > public.entities by entities_epic_id_fkey (SET NULL)}.
   */
  static String path(RowClosure.Reached r) {
    if (r.path().isEmpty()) {
      return "selected by --where";
    }
    StringBuilder out = new StringBuilder(r.path().get(0).parent().display());
    for (ClosureEdge e : r.path()) {
      out.append(" > ").append(e.child().display());
    }
    ClosureEdge last = r.path().get(r.path().size() - 1);
    return out.append(" by ").append(key(last)).toString();
  }

  /** The SET NULL / SET DEFAULT keys from {@code r}'s table into tables with deleted rows. */
  private static String updatedBy(ResetPlan plan, RowClosure.Reached r) {
    List<TableName> deleted = plan.subset().deletedTables();
    List<String> keys =
        plan.catalog().foreignKeys().stream()
            .filter(fk -> fk.child().equals(r.table()) && deleted.contains(fk.parent()))
            .filter(
                fk ->
                    fk.definition().contains("ON DELETE SET NULL")
                        || fk.definition().contains("ON DELETE SET DEFAULT"))
            .map(fk -> io.proddatareset.pg.Identifiers.display(fk.name()))
            .sorted()
            .toList();
    return keys.isEmpty()
        ? "by a SET NULL or SET DEFAULT key"
        : "by " + String.join(", ", keys) + " (SET NULL / SET DEFAULT)";
  }

  /**
   * {@code entities_epic_id_fkey (ON DELETE SET NULL)} or {@code (virtual, --tenant-key org_id)}.
   */
  private static String key(ClosureEdge e) {
    return e.virtual()
        ? "(virtual, " + e.origin() + ")"
        : io.proddatareset.pg.Identifiers.display(e.name())
            + " ("
            + e.action().sql().substring("ON DELETE ".length())
            + ")";
  }

  /** {@code Where:} lines: each condition, the virtual references, the tenant key. */
  static String selectionLines(RowSelection selection) {
    StringBuilder out = new StringBuilder();
    String label = "Where:   ";
    for (RowSelection.Condition c : selection.conditions()) {
      String what = c.everyRow() ? "every row (named in --reset)" : c.sql();
      out.append(label).append(Columns.visible(c.table().display() + ": " + what)).append('\n');
      label = "         ";
    }
    if (selection.tenantKey() != null) {
      out.append("Tenant key: ").append(Columns.visible(selection.tenantKey())).append('\n');
    }
    for (RowSelection.VirtualReference r : selection.references()) {
      if (r.origin().startsWith("--reference")) {
        out.append("Reference: ").append(Columns.visible(r.display())).append(" (virtual)\n");
      }
    }
    return out.toString();
  }

  static String tableSection(ResetPlan plan) {
    List<Entry> entries = new ArrayList<>(entries(plan));
    entries.sort(
        java.util.Comparator.comparing((Entry e) -> rank(e.action())).thenComparing(Entry::name));
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"ACTION", "TABLE", "ROWS", "SIZE", "WHY / REACHED BY"});
    for (Entry e : entries) {
      cells.add(
          new String[] {
            e.action(),
            e.name().display(),
            e.rows() < 0 ? "?" : (e.rowsExact() ? "" : "~") + Counts.number(e.rows()),
            e.sizeBytes() == null ? "" : Sizes.bytes(e.sizeBytes()),
            e.why()
          });
    }
    SubsetPlan subset = plan.subset();
    StringBuilder out =
        new StringBuilder(Columns.format(cells, new boolean[] {false, false, true, true, false}));
    out.append('\n')
        .append("Delete ")
        .append(Counts.of(subset.rowsToDelete(), "row"))
        .append(" in ")
        .append(Counts.of(subset.deletedTables().size(), "table"));
    if (subset.rowsToUpdate() > 0) {
      out.append(" and update ")
          .append(Counts.of(subset.rowsToUpdate(), "row"))
          .append(" in ")
          .append(Counts.of(subset.updatedTables().size(), "table"));
    }
    out.append(" (exact counts)");
    if (!plan.resetTables().isEmpty()) {
      out.append("; reset ")
          .append(Counts.of(plan.resetTables().size(), "whole table"))
          .append(" with ")
          .append(plan.exactRows() ? "" : "about ")
          .append(Counts.of(plan.rowsToReset(), "row"));
    }
    out.append("; leave ")
        .append(Counts.of(plan.keptTables().size(), "table"))
        .append(" untouched.\n");
    return out.toString();
  }

  private static int rank(String action) {
    return switch (action) {
      case "delete" -> 0;
      case "update" -> 1;
      case "reset" -> 2;
      default -> 3;
    };
  }

  /** The order of the deletes, then the truncation order when tables are reset whole. */
  static String orderSection(ResetPlan plan) {
    TruncationOrder order = plan.subset().deleteOrder(plan.catalog());
    StringBuilder out = new StringBuilder();
    if (order.groups().isEmpty()) {
      out.append("Delete order: no row to delete.\n");
    } else {
      out.append("Delete order (children before parents):\n")
          .append(PlanText.orderLines(order, "deleted"));
    }
    if (!plan.resetTables().isEmpty()) {
      out.append(PlanText.orderSection(plan.order()));
    }
    return out.toString();
  }
}

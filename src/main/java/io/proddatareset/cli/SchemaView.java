package io.proddatareset.cli;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.ForeignKeyGraph;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import io.proddatareset.plan.Action;
import io.proddatareset.plan.PlannedTable;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.plan.RowClosure;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code schema} shows: the catalog, each table's action when a policy was given, and the
 * order (of the reset tables with a policy, of every table without; with {@code --where}, of the
 * tables with rows to delete).
 *
 * @param actions empty when no policy was given
 * @param rows with {@code --where}: the tables the closure reaches, as {@code delete}, {@code
 *     update} or {@code delete, update}; empty otherwise
 */
record SchemaView(
    Catalog catalog,
    Map<TableName, Action> actions,
    TruncationOrder order,
    Map<TableName, String> rows) {

  static SchemaView of(ResetPlan plan) {
    if (plan.policy().empty()) {
      return new SchemaView(
          plan.catalog(),
          Map.of(),
          TruncationOrder.leafFirst(ForeignKeyGraph.of(plan.catalog())),
          Map.of());
    }
    Map<TableName, Action> actions = new TreeMap<>();
    for (PlannedTable t : plan.tables()) {
      actions.put(t.name(), t.action());
    }
    if (!plan.isSubset()) {
      return new SchemaView(plan.catalog(), actions, plan.order(), Map.of());
    }
    Map<TableName, String> rows = new TreeMap<>();
    for (RowClosure.Reached r : plan.subset().closure().tables()) {
      if (actions.get(r.table()) == Action.RESET) {
        continue; // reset whole
      }
      if (r.deleteRows() > 0 && r.updateRows() > 0) {
        rows.put(r.table(), "delete, update");
      } else if (r.deleteRows() > 0) {
        rows.put(r.table(), "delete");
      } else if (r.updateRows() > 0) {
        rows.put(r.table(), "update");
      }
    }
    return new SchemaView(plan.catalog(), actions, plan.subset().deleteOrder(plan.catalog()), rows);
  }

  boolean withPolicy() {
    return !actions.isEmpty();
  }

  /** A subset view: the order is the deletes'. */
  boolean subset() {
    return !rows.isEmpty();
  }

  /** The word for {@code table}'s action: reset, keep, delete, update, "delete, update". */
  String word(TableName table) {
    String r = rows.get(table);
    return r != null ? r : actions.get(table).word();
  }
}

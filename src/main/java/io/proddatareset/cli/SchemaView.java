package io.proddatareset.cli;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.ForeignKeyGraph;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import io.proddatareset.plan.Action;
import io.proddatareset.plan.PlannedTable;
import io.proddatareset.plan.ResetPlan;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code schema} shows: the catalog, each table's action when a policy was given, and the
 * order (of the reset tables with a policy, of every table without).
 *
 * @param actions empty when no policy was given
 */
record SchemaView(Catalog catalog, Map<TableName, Action> actions, TruncationOrder order) {

  static SchemaView of(ResetPlan plan) {
    if (plan.policy().empty()) {
      return new SchemaView(
          plan.catalog(), Map.of(), TruncationOrder.leafFirst(ForeignKeyGraph.of(plan.catalog())));
    }
    Map<TableName, Action> actions = new TreeMap<>();
    for (PlannedTable t : plan.tables()) {
      actions.put(t.name(), t.action());
    }
    return new SchemaView(plan.catalog(), actions, plan.order());
  }

  boolean withPolicy() {
    return !actions.isEmpty();
  }
}

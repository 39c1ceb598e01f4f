package io.proddatareset.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.proddatareset.catalog.ForeignKey;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import io.proddatareset.plan.ClosureEdge;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.plan.RowClosure;
import io.proddatareset.plan.RowSelection;
import io.proddatareset.plan.UndeclaredReference;

/**
 * The JSON of a subset plan: one {@code tables} entry per table and action ({@code delete}, {@code
 * update}, {@code reset}, {@code keep}), the selection, the order of the deletes, the undeclared
 * references.
 */
final class SubsetPlanJson {
  private SubsetPlanJson() {}

  static void addTo(ObjectNode root, ArrayNode tables, ResetPlan plan) {
    for (SubsetPlanText.Entry e : SubsetPlanText.entries(plan)) {
      ObjectNode o = PlanJson.table(tables, e.name(), e.action(), e.why(), e.rows(), e.rowsExact());
      if (e.sizeBytes() == null) {
        o.putNull("sizeBytes");
      } else {
        o.put("sizeBytes", e.sizeBytes());
      }
      if (e.action().equals("delete") || e.action().equals("update")) {
        RowClosure.Reached r = plan.subset().closure().table(e.name()).orElseThrow();
        o.put("selected", r.selected());
        if (e.action().equals("update") && (r.deleteRows() > 0 || r.selected())) {
          continue; // its path is the deleted rows'; the reason names the keys that update
        }
        ArrayNode path = o.putArray("path");
        for (ClosureEdge edge : r.path()) {
          ObjectNode p = path.addObject();
          p.put("parent", edge.parent().display());
          p.put("child", edge.child().display());
          if (edge.virtual()) {
            p.putNull("constraint");
            p.put("onDelete", "virtual");
            p.put("origin", edge.origin());
          } else {
            p.put("constraint", edge.name());
            p.put("onDelete", edge.action().sql().substring("ON DELETE ".length()));
          }
          p.put("display", edge.display());
        }
      }
    }
    RowSelection selection = plan.subset().selection();
    ObjectNode s = root.putObject("selection");
    ArrayNode conditions = s.putArray("conditions");
    for (RowSelection.Condition c : selection.conditions()) {
      ObjectNode o = conditions.addObject();
      o.put("table", c.table().display());
      o.put("condition", c.sql());
    }
    ArrayNode references = s.putArray("references");
    for (RowSelection.VirtualReference r : selection.references()) {
      ObjectNode o = references.addObject();
      o.put("reference", r.display());
      o.put("origin", r.origin());
    }
    s.put("tenantKey", selection.tenantKey());
    s.put("rowsToDelete", plan.subset().rowsToDelete());
    s.put("rowsToUpdate", plan.subset().rowsToUpdate());
    TruncationOrder order = plan.subset().deleteOrder(plan.catalog());
    ArrayNode deleteOrder = s.putArray("deleteOrder");
    order.tables().forEach(t -> deleteOrder.add(t.display()));
    ArrayNode cycles = s.putArray("deleteCycles");
    for (TruncationOrder.Group g : order.cycles()) {
      ObjectNode o = cycles.addObject();
      ArrayNode names = o.putArray("tables");
      g.tables().stream().map(TableName::display).forEach(names::add);
      ArrayNode keys = o.putArray("constraints");
      g.cycleKeys().stream().map(ForeignKey::name).sorted().forEach(keys::add);
    }
    ArrayNode undeclared = s.putArray("undeclaredReferences");
    for (UndeclaredReference u : plan.subset().closure().undeclared()) {
      ObjectNode o = undeclared.addObject();
      o.put("table", u.child().display());
      o.put("column", u.column());
      o.put("references", u.parent().display());
      o.put("referencedColumn", u.parentColumn());
      o.put("matchingRows", u.matchingRows());
      o.put("rowsLeft", u.matchingRows() - u.alreadyDeleted());
      o.put("option", u.referenceOption());
    }
  }
}

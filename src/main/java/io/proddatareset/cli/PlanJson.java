package io.proddatareset.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.proddatareset.catalog.ForeignKey;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import io.proddatareset.pg.LockHolders;
import io.proddatareset.plan.AppCost;
import io.proddatareset.plan.Hazard;
import io.proddatareset.plan.PlanWarning;
import io.proddatareset.plan.PlannedTable;
import io.proddatareset.plan.ResetPlan;
import java.util.List;

/**
 * Renders a {@link ResetPlan} as one JSON object for programs. Table names are schema-qualified as
 * pg_dump shows them ({@code public.users}, {@code public."Genre"}).
 */
final class PlanJson {
  private PlanJson() {}

  static String render(ResetPlan plan, String target, AppCost cost) {
    return JsonOutput.write(toJson(plan, target, cost));
  }

  static ObjectNode toJson(ResetPlan plan, String target, AppCost cost) {
    ObjectNode root = JsonOutput.MAPPER.createObjectNode();
    root.put("target", target);
    root.put("database", plan.database());
    root.put("serverVersion", plan.serverVersion());
    root.put("hotStandby", plan.catalog().hotStandby());
    root.put("user", plan.catalog().currentUser());
    strings(root.putArray("schemas"), plan.catalog().schemas());
    root.put("planId", plan.planId());
    root.put("refused", plan.refused());
    root.put("exactRows", plan.exactRows());
    ObjectNode policy = root.putObject("policy");
    strings(policy.putArray("keep"), plan.policy().keep());
    strings(policy.putArray("reset"), plan.policy().reset());
    policy.put("source", plan.policy().source());

    ArrayNode tables = root.putArray("tables");
    if (plan.isSubset()) {
      SubsetPlanJson.addTo(root, tables, plan);
    }
    for (PlannedTable t : plan.isSubset() ? List.<PlannedTable>of() : plan.tables()) {
      ObjectNode o =
          table(tables, t.name(), t.action().word(), t.reason(), t.rows(), t.rowsExact());
      o.put("sizeBytes", t.sizeBytes());
    }
    names(root.putArray("order"), plan.order().tables());
    ArrayNode cycles = root.putArray("cycles");
    for (TruncationOrder.Group g : plan.order().cycles()) {
      ObjectNode o = cycles.addObject();
      names(o.putArray("tables"), g.tables());
      strings(
          o.putArray("constraints"),
          g.cycleKeys().stream().map(ForeignKey::name).sorted().toList());
    }
    ArrayNode hazards = root.putArray("hazards");
    for (Hazard h : plan.hazards()) {
      ObjectNode o = hazards.addObject();
      o.put("code", h.code().name());
      o.put("message", h.message());
      o.put("remedy", h.remedy());
      names(o.putArray("tables"), h.tables());
    }
    ArrayNode warnings = root.putArray("warnings");
    for (PlanWarning w : plan.warnings()) {
      ObjectNode o = warnings.addObject();
      o.put("code", w.code().name());
      o.put("message", w.message());
      names(o.putArray("tables"), w.tables());
    }
    appCost(root.putObject("appCost"), cost);
    return root;
  }

  /** {@code "appCost"}: the waits of the app's writers and readers, and the sessions in the way. */
  private static void appCost(ObjectNode o, AppCost cost) {
    o.put("writerWaitSeconds", cost.writerWaitMillis() / 1000.0);
    o.put("readerWaitMillis", cost.readerWaitMillis());
    o.put("basis", cost.measured() ? "measured" : "estimated");
    o.put("resetBytes", cost.resetBytes());
    o.put("rateBytesPerSecond", Math.round(cost.rateBytesPerSecond()));
    if (cost.measured()) {
      o.put("measuredAt", cost.measuredAt().toString());
    } else {
      o.putNull("measuredAt");
    }
    ArrayNode blockers = o.putArray("blockers");
    for (LockHolders.Holder h : cost.blockers()) {
      LockHolders.Session s = h.session();
      ObjectNode b = blockers.addObject();
      b.put("pid", s.pid());
      b.put("user", s.user());
      b.put("application", s.application());
      b.put("state", s.state());
      b.put("transactionSeconds", s.transactionSeconds());
      b.put("querySeconds", s.querySeconds());
      b.put("queryStart", s.queryStart());
      strings(b.putArray("tables"), h.relations());
      b.put("description", h.describe());
    }
  }

  /**
   * A {@code tables} entry of a plan (whole tables, or a subset's), with the fields both kinds
   * have; {@code rows} below zero (not counted) as null.
   */
  static ObjectNode table(
      ArrayNode tables,
      TableName name,
      String action,
      String reason,
      long rows,
      boolean rowsExact) {
    ObjectNode o = tables.addObject();
    o.put("name", name.display());
    o.put("schema", name.schema());
    o.put("table", name.name());
    o.put("action", action);
    o.put("reason", reason);
    if (rows < 0) {
      o.putNull("rows");
    } else {
      o.put("rows", rows);
    }
    o.put("rowsExact", rowsExact);
    return o;
  }

  private static void names(ArrayNode array, List<TableName> names) {
    names.forEach(n -> array.add(n.display()));
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }
}

package io.proddatareset.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.proddatareset.catalog.ForeignKey;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
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

  static String render(ResetPlan plan, String target) {
    return JsonOutput.write(toJson(plan, target));
  }

  static ObjectNode toJson(ResetPlan plan, String target) {
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
    for (PlannedTable t : plan.tables()) {
      ObjectNode o = tables.addObject();
      o.put("name", t.name().display());
      o.put("schema", t.name().schema());
      o.put("table", t.name().name());
      o.put("action", t.action().word());
      o.put("reason", t.reason());
      if (t.rows() < 0) {
        o.putNull("rows");
      } else {
        o.put("rows", t.rows());
      }
      o.put("rowsExact", t.rowsExact());
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
    return root;
  }

  private static void names(ArrayNode array, List<TableName> names) {
    names.forEach(n -> array.add(n.display()));
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }
}

package io.proddatareset.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.proddatareset.connect.render.RenderDatabase;

/**
 * The Render instance a target was found as, for the plan and before the confirmation: so that the
 * person confirming sees which instance they confirm (name, id, region, plan, dashboard URL) and
 * whether Render could recover it to a point in time.
 */
final class RenderText {
  private RenderText() {}

  /** The lines of {@link RenderDatabase#details()} and a blank line; empty without Render. */
  static String block(RenderDatabase render) {
    if (render == null) {
      return "";
    }
    return String.join("\n", render.details()) + "\n\n";
  }

  /** Adds {@code "render": {...}} to a JSON result when the target came from Render. */
  static ObjectNode addTo(ObjectNode root, RenderDatabase render) {
    if (render == null) {
      return root;
    }
    ObjectNode o = root.putObject("render");
    o.put("name", render.name());
    o.put("id", render.id());
    o.put("internal", render.internal());
    o.put("region", render.region());
    o.put("plan", render.plan());
    o.put("dashboardUrl", render.dashboardUrl());
    ObjectNode recovery = o.putObject("pointInTimeRecovery");
    // null: Render did not report it (a 404 or an error there), which is not a failure
    recovery.put("status", render.recoveryStatus());
    recovery.put("startsAt", render.recoveryStartsAt());
    return root;
  }
}

package io.proddatareset.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.proddatareset.reset.VerifyReport;

/** Renders a {@link VerifyReport} as one JSON object for programs. */
final class VerifyJson {
  private VerifyJson() {}

  static String render(VerifyReport report, String target) {
    ObjectNode root = JsonOutput.MAPPER.createObjectNode();
    root.put("database", report.database());
    root.put("target", target);
    root.put("ok", report.ok());
    ArrayNode checks = root.putArray("checks");
    for (VerifyReport.Check c : report.checks()) {
      ObjectNode n = checks.addObject();
      n.put("name", c.table().display());
      n.put("action", c.kind().word());
      n.put("rows", c.rows());
      n.put("ok", c.ok());
      if (!c.ok()) {
        n.put("problem", c.problem());
      }
    }
    return JsonOutput.write(root);
  }
}

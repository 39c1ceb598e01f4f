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
    if (report.since() != null) {
      ObjectNode since = root.putObject("reset");
      since.put("committedAt", report.since().committedAt());
      since.put("xid", report.since().xid());
      since.put(
          "backup", report.since().backup() == null ? null : report.since().backup().toString());
      since.put("rowsWrittenSince", report.rowsWrittenSince());
    }
    ArrayNode checks = root.putArray("checks");
    for (VerifyReport.Check c : report.checks()) {
      ObjectNode n = checks.addObject();
      n.put("name", c.table().display());
      n.put("action", c.kind().word()); // as in the plan's JSON
      n.put("kind", c.kind().word());
      n.put("status", c.status().word());
      n.put("rows", c.rows());
      n.put("ok", c.ok());
      if (c.rowsWrittenSince() != null) {
        n.put("rowsWrittenSince", c.rowsWrittenSince());
      }
      if (c.preResetRows() != null) {
        n.put("preResetRows", c.preResetRows());
      }
      if (c.rowsAtCommit() != null) {
        n.put("rowsAtCommit", c.rowsAtCommit());
      }
      if (c.sameStorage() != null) {
        n.put("sameStorage", c.sameStorage());
      }
      if (c.note() != null) {
        n.put("note", c.note());
      }
      if (!c.ok()) {
        n.put("problem", c.problem());
      }
    }
    return JsonOutput.write(root);
  }
}

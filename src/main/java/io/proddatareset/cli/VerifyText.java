package io.proddatareset.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.proddatareset.reset.VerifyReport;

/** Renders a {@link VerifyReport} for people (text) or programs (JSON). */
final class VerifyText {
  private VerifyText() {}

  static String render(VerifyReport report, String target) {
    StringBuilder sb = new StringBuilder();
    sb.append("Verification of ").append(target).append(" (read-only)\n");
    int width =
        report.checks().stream().mapToInt(c -> c.table().display().length()).max().orElse(5);
    for (VerifyReport.Check c : report.checks()) {
      sb.append(
          String.format(
              "  %-4s  %-" + width + "s  %-5s  %10d rows%s%n",
              c.ok() ? "ok" : "FAIL",
              c.table().display(),
              c.kind(),
              c.rows(),
              c.ok() ? "" : "  " + c.problem()));
    }
    long reset = report.checks().stream().filter(c -> c.kind().equals("reset")).count();
    long kept = report.checks().stream().filter(c -> c.kind().equals("kept")).count();
    if (report.ok()) {
      sb.append("Verified: ").append(reset).append(" reset tables empty");
      sb.append(kept > 0 ? ", " + kept + " kept tables unchanged" : "").append(".\n");
    } else {
      sb.append("Verification FAILED for ").append(report.failures().size()).append(" table(s).\n");
    }
    return sb.toString();
  }

  static String json(VerifyReport report, String target) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("database", report.database());
    root.put("target", target);
    root.put("ok", report.ok());
    ArrayNode checks = root.putArray("checks");
    for (VerifyReport.Check c : report.checks()) {
      ObjectNode n = checks.addObject();
      n.put("name", c.table().display());
      n.put("action", c.kind());
      n.put("rows", c.rows());
      n.put("ok", c.ok());
      if (!c.ok()) {
        n.put("problem", c.problem());
      }
    }
    return root.toPrettyString();
  }
}

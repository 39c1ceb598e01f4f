package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.reset.VerifyReport;
import java.util.Locale;

/** Renders a {@link VerifyReport} for people; {@link VerifyJson} for programs. */
final class VerifyText {
  private VerifyText() {}

  static String render(VerifyReport report, String target) {
    StringBuilder sb = new StringBuilder();
    sb.append("Verification of ").append(target).append(" (read-only)\n");
    // by display width, as the plan's table: a wide (CJK) name takes two columns a character
    int width = report.checks().stream().mapToInt(c -> Columns.width(name(c))).max().orElse(5);
    for (VerifyReport.Check c : report.checks()) {
      String name = name(c);
      sb.append(
          String.format(
              Locale.ROOT,
              "  %-4s  %s  %-5s  %,10d %s%s%n",
              c.ok() ? "ok" : "FAIL",
              name + " ".repeat(width - Columns.width(name)),
              c.kind().word(),
              c.rows(),
              Counts.noun(c.rows(), "row"),
              c.ok() ? "" : "  " + c.problem()));
    }
    long reset = report.checks().stream().filter(c -> c.kind() == VerifyReport.Kind.RESET).count();
    long kept = report.checks().stream().filter(c -> c.kind() == VerifyReport.Kind.KEPT).count();
    if (report.ok()) {
      sb.append("Verified: ")
          .append(Counts.of(reset, "reset table", "reset tables"))
          .append(" empty");
      if (kept > 0) {
        sb.append(", ").append(Counts.of(kept, "kept table", "kept tables")).append(" unchanged");
      }
      sb.append(".\n");
    } else {
      sb.append("Verification FAILED for ")
          .append(Counts.of(report.failures().size(), "table", "tables"))
          .append(".\n");
    }
    return sb.toString();
  }

  /** The table's name as shown in the column: a line break in it is shown escaped. */
  private static String name(VerifyReport.Check c) {
    return Columns.visible(c.table().display());
  }

  /** Every failed check's problem, in order, joined by "; ". */
  static String problems(VerifyReport report) {
    return String.join("; ", report.failures().stream().map(VerifyReport.Check::problem).toList());
  }
}

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
    if (report.since() != null) {
      sb.append("  against the reset committed at ")
          .append(report.since().committedAt())
          .append(" (transaction ")
          .append(report.since().xid())
          .append(")")
          .append(
              report.since().backup() != null
                  ? ", rows compared with its backup " + report.since().backup()
                  : "")
          .append('\n');
    }
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
              // a row reset's table: the rows it holds now are the ones the reset left
              Counts.noun(c.rows(), "row") + (c.kind() == VerifyReport.Kind.DELETED ? " left" : ""),
              c.ok() ? (c.note() == null ? "" : "  " + c.note()) : "  " + c.problem()));
    }
    long reset = report.checks().stream().filter(c -> c.kind() == VerifyReport.Kind.RESET).count();
    long kept = report.checks().stream().filter(c -> c.kind() == VerifyReport.Kind.KEPT).count();
    long written =
        report.checks().stream()
            .filter(c -> c.status() == VerifyReport.Status.WRITTEN_SINCE)
            .count();
    long changed =
        report.checks().stream()
            .filter(c -> c.status() == VerifyReport.Status.CHANGED_SINCE)
            .count();
    long deleted =
        report.checks().stream().filter(c -> c.kind() == VerifyReport.Kind.DELETED).count();
    if (report.ok() && deleted > 0) {
      // issue 13: a row reset's check
      sb.append("Verified: none of the rows the reset deleted is back (")
          .append(Counts.of(deleted, "table", "tables"))
          .append(
              written > 0
                  ? "; "
                      + Counts.of(report.rowsWrittenSince(), "row", "rows")
                      + " written since the reset committed"
                  : "")
          .append(").\n");
    } else if (report.ok() && (written > 0 || changed > 0)) {
      sb.append(
          String.format(
              Locale.ROOT,
              "Verified: the reset held (%s: %s empty, %s with %s written since the reset"
                  + " committed)",
              Counts.of(reset, "reset table", "reset tables"),
              Counts.number(reset - written),
              Counts.number(written),
              Counts.of(report.rowsWrittenSince(), "row", "rows")));
      if (kept > 0) {
        sb.append(
            String.format(
                Locale.ROOT,
                "; %s (%s unchanged, %s changed since the reset)",
                Counts.of(kept, "kept table", "kept tables"),
                Counts.number(kept - changed),
                Counts.number(changed)));
      }
      sb.append(".\n");
    } else if (report.ok()) {
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

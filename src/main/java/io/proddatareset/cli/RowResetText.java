package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.plan.SubsetPlan;
import io.proddatareset.reset.ResetOptions;
import io.proddatareset.reset.ResetResult;

/** The row reset's lines ({@code reset --where}) in the reset command's flow. */
final class RowResetText {
  private RowResetText() {}

  /** What is about to happen, before the confirmation (stderr). */
  static String announce(ResetPlan plan, String target, ResetOptions o) {
    SubsetPlan s = plan.subset();
    return "\nAbout to delete "
        + Counts.of(s.rowsToDelete(), "row", "rows")
        + " in "
        + Counts.of(s.deletedTables().size(), "table", "tables")
        + " and update "
        + Counts.of(s.rowsToUpdate(), "row", "rows")
        + " in "
        + target
        + " (the selected rows and what depends on them); every other row stays as it is.\n"
        + (o.backupFile() != null
            ? "Those rows are backed up first, as they are, to " + o.backupFile() + ".\n"
            : "NO BACKUP will be written (--no-backup: " + o.noBackupReason() + ").\n");
  }

  /** The committed row reset and its backup (stdout). */
  static String committed(ResetResult r) {
    SubsetPlan s = r.plan().subset();
    StringBuilder sb =
        new StringBuilder("\nReset committed: ")
            .append(Counts.of(s.rowsToDelete(), "row", "rows"))
            .append(" deleted in ")
            .append(Counts.of(s.deletedTables().size(), "table", "tables"))
            .append(" and ")
            .append(Counts.of(s.rowsToUpdate(), "row", "rows"))
            .append(" updated, in ")
            .append(r.millis())
            .append(" ms (the rows were locked, FOR UPDATE, in ")
            .append(r.finalPhaseMillis())
            .append(" ms; no table was locked against the app).\n");
    return sb.append(ResetText.backupLine(r)).toString();
  }
}

package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.plan.PlannedTable;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.reset.ResetOptions;
import io.proddatareset.reset.ResetResult;
import io.proddatareset.reset.VerifyReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the reset command says about a reset, for people; each text ends in a newline. */
final class ResetText {
  private ResetText() {}

  /** The plan asks for no table to be reset (stdout). */
  static String nothingToReset(ResetOptions o) {
    return "\nNothing to reset: the policy resets no table; nothing was changed"
        + (o.backupFile() != null ? " and no backup was written.\n" : ".\n");
  }

  /**
   * What is about to happen, before the confirmation (stderr): the tables and rows, where the
   * backup goes (or that none is written), and the ON TRUNCATE triggers that will fire.
   */
  static String announce(ResetPlan plan, String target, ResetOptions o, List<String> triggers) {
    if (plan.subset() != null) {
      return RowResetText.announce(plan, target, o);
    }
    StringBuilder sb = new StringBuilder("\nAbout to reset ");
    sb.append(Counts.of(plan.resetTables().size(), "table", "tables"));
    sb.append(" (").append(Counts.of(plan.rowsToReset(), "row", "rows")).append(") in ");
    sb.append(target).append(" and keep ").append(Counts.number(plan.keptTables().size()));
    sb.append(".\n");
    sb.append(
        o.backupFile() != null
            ? "The rows removed are backed up first to " + o.backupFile() + ".\n"
            : "NO BACKUP will be written (--no-backup: " + o.noBackupReason() + ").\n");
    if (!triggers.isEmpty()) {
      sb.append("Note: ON TRUNCATE triggers will fire: ")
          .append(String.join(", ", triggers))
          .append(".\n");
    }
    return sb.toString();
  }

  /** The reset tables were empty already (stdout). */
  static String alreadyEmpty(ResetResult r, ResetOptions o) {
    int n = r.truncated().size();
    return "\nNothing to remove: the "
        + n
        + (n == 1 ? " reset table was" : " reset tables were")
        + " already empty; nothing was changed"
        + (o.backupFile() != null ? " and no backup was written.\n" : ".\n");
  }

  /** The committed reset and its backup (stdout). */
  static String committed(ResetResult r) {
    if (r.plan().subset() != null) {
      return RowResetText.committed(r);
    }
    StringBuilder sb =
        new StringBuilder("\nReset committed: ")
            .append(Counts.of(r.truncated().size(), "table", "tables"))
            .append(" emptied (")
            .append(Counts.of(r.rowsRemoved(), "row", "rows"))
            .append(") in ")
            .append(r.millis())
            .append(" ms (writers were locked out for the last ")
            .append(r.finalPhaseMillis())
            .append(" ms); ")
            .append(Counts.of(r.kept().size(), "kept table", "kept tables"))
            .append(" unchanged.\n");
    return sb.append(backupLine(r)).toString();
  }

  /** {@code Backup: FILE (N rows, sha256 ...), manifest FILE.manifest.json}; "" without one. */
  static String backupLine(ResetResult r) {
    if (r.backup() == null) {
      return "";
    }
    return "Backup: "
        + r.backup().file()
        + " ("
        + Counts.of(r.backup().manifest().totalRows(), "row", "rows")
        + ", sha256 "
        + r.backup().manifest().fileSha256().substring(0, 16)
        + "...), manifest "
        + r.backup().manifestFile()
        + "\n";
  }

  /** The check after the commit could not run, and how to check instead. */
  static String checkDidNotRun(Exception e, String howToCheck) {
    return "The reset was committed, but the verification afterwards failed to run: "
        + ExitException.firstLine(e)
        + ". "
        + howToCheck;
  }

  /**
   * The check after the commit found what it names: rows the reset removed are back, or rows
   * written since could not be told apart from them (rows merely written since do not fail it).
   */
  static String checkFailed(VerifyReport report) {
    return "The reset was committed, but the verification afterwards failed: "
        + VerifyText.problems(report)
        + (report.since() == null ? " (another session may have written since the commit)." : "");
  }

  /** The reset's marks could not be added to the manifest (stderr). */
  static String marksNotRecorded(ResetResult r, String why) {
    return "warning: the reset is committed, but its marks could not be added to the manifest "
        + r.backup().manifestFile()
        + " ("
        + why
        + "): a later verify --manifest cannot tell rows written since the reset from the rows it"
        + " removed, and will fail on any row in a reset table.";
  }

  /** The reset tables with their rows as the plan counted them, for the audit log. */
  static Map<String, Long> rows(ResetPlan plan) {
    Map<String, Long> m = new LinkedHashMap<>();
    if (plan.subset() != null) {
      // a row reset: each table's rows to delete and to update, then any table reset whole
      for (var r : plan.subset().closure().tables()) {
        if (r.deleteRows() > 0) {
          m.put(r.table().display() + " (delete)", r.deleteRows());
        }
        if (r.updateRows() > 0) {
          m.put(r.table().display() + " (update)", r.updateRows());
        }
      }
    }
    for (var name : plan.resetTables()) {
      m.put(name.display(), plan.table(name).map(PlannedTable::rows).orElse(-1L));
    }
    return m;
  }
}

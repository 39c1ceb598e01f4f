package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.Durations;
import io.proddatareset.Program;
import io.proddatareset.audit.AgentConsent;
import io.proddatareset.backup.BackupOrigin;
import io.proddatareset.backup.RestorePreview;
import io.proddatareset.backup.RestoreResult;
import io.proddatareset.backup.Restorer;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.ChangeStep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** What the restore command says, for people; each text ends in a newline. */
final class RestoreText {
  private RestoreText() {}

  /**
   * What is about to be restored where, before the origin lines and the confirmation.
   *
   * @param selected the tables of {@code --only}, or null for all
   */
  static String intro(
      Restorer.Contents contents, Set<TableName> selected, Path file, String target) {
    long tables =
        selected == null
            ? contents.tables().size()
            : contents.tables().stream().filter(selected::contains).count();
    return "Restore "
        + Counts.of(tables, "table")
        + " from "
        + file
        + (contents.manifest() != null && contents.manifest().holdsSubset()
            ? " (a subset backup: into the live tables, keys kept; checked against its manifest)"
            : contents.manifest() != null
                ? " (checked against its manifest)"
                : " (no manifest: rows and checksums cannot be checked)")
        + " into "
        + target
        + ".\n";
  }

  /** Where the backup comes from and where it goes, for the person about to confirm. */
  static String origin(BackupOrigin origin, Path file) {
    List<String> lines = new ArrayList<>();
    if (origin.manifest() == null) {
      lines.add(
          "Source: not recorded: "
              + file
              + " has no manifest beside it, so where it came from is unknown; make sure it is"
              + " the backup you mean.");
    } else if (!origin.recorded()) {
      lines.add("Source: not recorded in the manifest (written by an older prod-data-reset).");
    } else {
      lines.add("Source: " + origin.source() + ".");
    }
    lines.add("Target: " + origin.targetDescription() + ".");
    return String.join("\n", lines) + "\n";
  }

  /** The warning that the backup is of another database, when it is; else nothing. */
  static String otherDatabaseWarning(BackupOrigin origin) {
    return origin.otherDatabase()
        ? "warning: "
            + origin.difference("backup")
            + "; loading it anyway (--allow-other-database).\n"
        : "";
  }

  /**
   * The dry run: what would be loaded where, and either how to run it or why it would be refused.
   *
   * @param agent true when an AI coding agent runs the tool: it is told to ask the user first
   * @param restoreLines the restore command to run, from {@link RestoreHint#restoreLines}
   */
  static String preview(
      RestorePreview p, Path file, String target, boolean agent, String restoreLines) {
    StringBuilder out = new StringBuilder();
    out.append("Dry run: restore ")
        .append(file)
        .append(" into ")
        .append(target)
        .append(" (nothing is changed)\n");
    out.append(origin(p.origin(), file));
    out.append(
        String.format(
            Locale.ROOT,
            "It would load %s%s:%n",
            BackupText.tablesAndRows(p.tables().size(), p.totalRows()),
            p.fileChecked()
                ? (p.origin().manifest() != null
                    ? " (the file was read and matches its manifest)"
                    : " (the file was read; no manifest to check it against)")
                : ""));
    int width = Math.max(5, p.tables().stream().mapToInt(x -> x.name().length()).max().orElse(5));
    for (RestorePreview.Table table : p.tables()) {
      out.append(
          String.format(
              Locale.ROOT,
              "  %-" + width + "s %,12d %-4s  %s%n",
              table.name(),
              table.rows(),
              Counts.noun(table.rows(), "row"),
              switch (table.state()) {
                case "empty" -> "target empty";
                case "insert" -> "into the live table";
                case "update" -> "columns put back";
                case "missing" -> "MISSING in the target";
                default -> "target HAS ROWS";
              }));
    }
    out.append(leftOut(p.skipped()));
    if (p.live() != null) {
      out.append(LiveRestoreText.plan(p.live(), false));
    } else if (p.sequences().isEmpty()) {
      out.append("Sequences: none.\n");
    } else {
      out.append("Sequences it would set (unless already beyond):\n");
      for (RestorePreview.Sequence q : p.sequences()) {
        out.append(
            String.format(
                Locale.ROOT,
                "  %s = %d%s%n",
                q.name(),
                q.value(),
                q.isCalled() ? "" : " (not called)"));
      }
    }
    for (String w : p.warnings()) {
      out.append("Warning: ").append(w).append(".\n");
    }
    if (p.ok()) {
      out.append(
          agent
              ? "The restore would go ahead. Show this preview to the user, and run it only when"
                  + " they approve, with their own words in "
                  + AgentConsent.VARIABLE
                  + ":\n"
              : "The restore would go ahead. To run it:\n");
      out.append(restoreLines);
    } else {
      out.append("The restore would be refused:\n");
      for (String r : p.refusals()) {
        out.append("  - ").append(r).append(".\n");
      }
    }
    return out.toString();
  }

  /** The restored tables, rows and sequences, and what was checked. */
  static String result(RestoreResult r, Path file) {
    if (r.live() != null) {
      return LiveRestoreText.result(r, file);
    }
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "Restored %s, and %s from %s in %s.%n",
            BackupText.tablesAndRows(r.tables().size(), r.totalRows()),
            Counts.of(r.sequences().size(), "sequence"),
            file,
            Durations.elapsed(r.millis())));
    for (var table : r.tables()) {
      out.append(Columns.tableRows(table.name(), table.rows()));
    }
    out.append(leftOut(r.skipped()));
    for (RestoreResult.SequenceAhead s : r.sequencesAhead()) {
      out.append(
          String.format(
              Locale.ROOT,
              "Sequence %s left at %d: it has already handed out values up to there, and the"
                  + " backup's %d would hand them out again.%n",
              s.name(),
              s.lastValue(),
              s.fileValue()));
    }
    out.append(
            r.manifestChecked()
                ? "Checked: every table's rows and SHA-256 matched the manifest before commit."
                : "Not checked: no manifest beside the file.")
        .append(" Foreign keys re-added and validated: ")
        .append(r.foreignKeysRecreated())
        .append("; user triggers disabled during the load: ")
        .append(r.triggersDisabled())
        .append(".\n");
    return out.toString();
  }

  /**
   * How to check the outcome of a restore whose commit did not answer: "To check: " and the
   * preview, which shows whether the tables hold the backup's rows.
   */
  static String howToCheck(Map<String, String> env, Path file, TargetOptions.SameTarget target) {
    List<String> args = new ArrayList<>(List.of("restore", "--dry-run", file.toString()));
    args.addAll(target.options());
    return "To check: "
        + Program.commandLine(env, args)
        + " (tables that now hold rows were restored, empty ones were not).";
  }

  /**
   * What an interrupt leaves while the restore's transaction runs, if the restore cannot say.
   *
   * @param check from {@link #howToCheck}
   */
  static String stoppedLine(ChangeStep step, String check) {
    return switch (step) {
      case COMMITTING ->
          "Interrupted while committing, and the commit has not answered: the outcome is"
              + " unknown. "
              + check;
      case COMMITTED -> "Interrupted after the commit: the restore was committed.";
      default -> InterruptGuard.abandonedLine(step.description());
    };
  }

  /** The line of a restore that an interrupt reached once it had committed. */
  static String committedLine(RestoreResult r, Path file) {
    return "Interrupted after the commit: the restore was committed; "
        + Counts.of(r.tables().size(), "table", "tables")
        + " ("
        + Counts.of(r.totalRows(), "row", "rows")
        + ") were loaded from "
        + file
        + (r.manifestChecked() ? ", checked against its manifest before the commit." : ".");
  }

  private static String leftOut(List<String> skipped) {
    return skipped.isEmpty() ? "" : "Left out (--only): " + String.join(", ", skipped) + ".\n";
  }
}

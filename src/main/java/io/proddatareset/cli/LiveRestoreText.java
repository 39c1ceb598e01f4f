package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.Durations;
import io.proddatareset.backup.LiveRestoreReport;
import io.proddatareset.backup.RestoreResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** What restore says about a subset backup going back into live tables, for people. */
final class LiveRestoreText {
  private LiveRestoreText() {}

  /** The plan of the restore, for the dry run: each block, the keys, the triggers, sequences. */
  static String plan(LiveRestoreReport live, boolean restored) {
    StringBuilder out = new StringBuilder();
    out.append(
        "A subset backup: its rows go back into the live tables, in one transaction, parents"
            + " first. Foreign keys are kept (not dropped: the app is using these tables), so"
            + " every row is checked as it goes in.\n");
    for (LiveRestoreReport.Entry e : live.entries()) {
      out.append(entryLine(e, restored));
    }
    for (String k : live.keysSetAfter()) {
      out.append("Cycle: ")
          .append(k)
          .append(" is not deferrable: its columns go in NULL and are set once the rows they")
          .append(" reference are in.\n");
    }
    for (String k : live.keysDeferred()) {
      out.append("Cycle: ").append(k).append(" is deferred to the end of the load.\n");
    }
    if (live.triggers().isEmpty()) {
      out.append("Triggers: none would fire on these rows.\n");
    } else {
      out.append(
          live.triggersDisabled()
              ? (restored ? "Triggers disabled" : "Triggers to disable")
                  + " until the commit (--disable-triggers; this blocks the app's writes to"
                  + " their tables until then):\n"
              : (restored ? "Triggers that fired" : "Triggers that would fire")
                  + " on these rows (as for the app's own; --disable-triggers switches them"
                  + " off, which blocks the app's writes to those tables until the commit):\n");
      live.triggers().forEach(t -> out.append("  ").append(t).append('\n'));
    }
    if (!live.sequencesNotSet().isEmpty()) {
      out.append("Sequences: not set back (the app draws from them): ")
          .append(String.join(", ", live.sequencesNotSet()))
          .append(".\n");
    }
    return out.toString();
  }

  private static String entryLine(LiveRestoreReport.Entry e, boolean restored) {
    boolean insert = e.action().equals("delete");
    String what =
        insert
            ? (restored ? "inserted " : "insert ")
                + Counts.of(restored ? e.restored() : e.rows(), "row")
            : (restored ? "put back " : "put back ")
                + String.join(", ", e.updatedColumns())
                + " of "
                + Counts.of(restored ? e.restored() : e.rows(), "row");
    String gone = notPutBack(e.gone(), e.goneKeys(), " no longer in the table, not put back");
    String changed =
        notPutBack(
            e.changed(),
            e.changedKeys(),
            " where the app has changed "
                + (e.updatedColumns().size() == 1 ? "" : "one of ")
                + String.join(", ", e.updatedColumns())
                + " since the reset: "
                + (restored ? "left" : "to be left")
                + " as the app wrote it");
    return String.format(Locale.ROOT, "  %s: %s%s%s%n", e.name(), what, gone, changed);
  }

  /** {@code "; 3 rows" + what + " (id = 7; id = 9)"}, or nothing for no rows. */
  private static String notPutBack(long rows, List<String> keys, String what) {
    if (rows == 0) {
      return "";
    }
    return "; "
        + Counts.of(rows, "row")
        + what
        + (keys.isEmpty() ? "" : " (" + String.join("; ", keys) + ")");
  }

  /** The result of a restore into live tables. */
  static String result(RestoreResult r, Path file) {
    LiveRestoreReport live = r.live();
    long inserted =
        live.entries().stream()
            .filter(e -> e.action().equals("delete"))
            .mapToLong(e -> e.restored())
            .sum();
    long updated =
        live.entries().stream()
            .filter(e -> e.action().equals("update"))
            .mapToLong(e -> e.restored())
            .sum();
    return String.format(
            Locale.ROOT,
            "Restored %s and put back the columns of %s from %s into the live tables in %s."
                + " Checked: every block's rows and SHA-256 matched the manifest.%n",
            Counts.of(inserted, "row"),
            Counts.of(updated, "row"),
            file,
            Durations.elapsed(r.millis()))
        + plan(live, true);
  }
}

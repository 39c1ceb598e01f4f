package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.Durations;
import io.proddatareset.Sizes;
import io.proddatareset.backup.BackupManifest;
import io.proddatareset.backup.BackupResult;
import java.util.Locale;

/** What the backup command says about a backup, for people; the text ends in a newline. */
final class BackupText {
  private BackupText() {}

  /**
   * The tables and rows backed up, where to, how it was checked, its plan id and how to restore it.
   *
   * @param restoreHint the commands that restore it, from {@link RestoreHint#afterBackup}
   */
  static String summary(BackupResult r, String restoreHint) {
    BackupManifest m = r.manifest();
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "Backed up %s, from %s to %s (%s, %s) in %s.%n",
            tablesAndRows(m.tables().stream().map(e -> e.name()).distinct().count(), m.totalRows()),
            m.target() == null ? m.database() : m.target(),
            r.file() == null ? "stdout" : r.file(),
            m.compression(),
            Sizes.bytes(m.fileBytes()),
            Durations.elapsed(r.millis())));
    if (m.holdsSubset()) {
      out.append("A subset backup (--where): the rows a reset of that selection deletes, and the")
          .append(
              " rows it updates as they are now; restore puts them back into the live tables.\n");
    }
    for (var table : m.tables()) {
      // a subset backup may hold a table twice: its deleted rows and its updated ones
      String name =
          table.action() == null ? table.name() : table.name() + " (" + table.action() + ")";
      out.append(Columns.tableRows(name, table.rows()));
    }
    if (!m.sequences().isEmpty()) {
      out.append(String.format(Locale.ROOT, "Sequences: %d.%n", m.sequences().size()));
    }
    out.append(
        r.file() == null
            ? "Not read back: a stream cannot be. The bytes were checked as they were sent, and the"
                + " manifest "
                + r.manifestFile()
                + " records their size and SHA-256: keep it beside the saved stream, named"
                + " FILE.manifest.json, so that restore checks the file against it.\n"
            : "Verified: the file was read back and every table's row count and SHA-256 match the"
                + " manifest "
                + r.manifestFile()
                + ".\n");
    if (m.planId() != null) {
      out.append("Plan id: ").append(m.planId()).append(".\n");
    }
    return out.append(restoreHint).toString();
  }

  /** {@code 3 tables, 1,234 rows}, as the summaries of backup and restore begin. */
  static String tablesAndRows(long tables, long rows) {
    return Counts.of(tables, "table") + ", " + Counts.of(rows, "row");
  }
}

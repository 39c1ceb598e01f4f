package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.TableName;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/** The refusals a restore and its dry run share, worded once. */
final class RestoreMessages {
  private RestoreMessages() {}

  /**
   * Why a file cannot be restored: REFUSED when it is damaged or cut off, or (with a manifest) does
   * not hold what its manifest says; USAGE when it holds what this tool does not restore.
   */
  static ExitException unreadable(
      Path file, BackupFormatException e, boolean withManifest, String after) {
    boolean refused = e.damaged() || withManifest;
    return new ExitException(
        refused ? ExitStatus.REFUSED : ExitStatus.USAGE,
        "Cannot restore "
            + file
            + ": "
            + e.getMessage()
            + (e.damaged() ? " (the file is damaged or cut off)" : "")
            + after,
        e);
  }

  /** The tables' names as people read them, comma-separated. */
  static String names(Collection<TableName> tables) {
    return tables.stream().map(TableName::display).collect(Collectors.joining(", "));
  }

  /** The refusal of a restore into tables the target does not have. */
  static String missingTables(List<TableName> missing) {
    return "No such table in the database: "
        + names(missing)
        + ". restore loads data into existing tables: create the schema first, or leave them out"
        + " with --only. Nothing was changed.";
  }

  /**
   * The refusal of the whole-table restore (into empty tables, keys dropped) for a subset backup,
   * whose rows go back into live tables.
   */
  static String subsetBackup(Path file) {
    return file
        + " is a subset backup (rows selected with --where, manifest formatVersion "
        + BackupManifest.SUBSET_FORMAT_VERSION
        + "): its rows go back into the live tables, keys kept, by the live-table restore"
        + " (restore FILE runs it for such a backup), not into empty tables. Nothing was changed.";
  }
}

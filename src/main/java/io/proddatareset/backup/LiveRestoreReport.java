package io.proddatareset.backup;

import java.util.List;

/**
 * What a restore of a subset backup into live tables did ({@link RestoreResult#live}) or would do
 * ({@link RestorePreview#live}).
 *
 * @param entries each block of the backup, in file order
 * @param triggers the user triggers that fire (or would) on the rows inserted or updated, as {@code
 *     table: trigger (function, on INSERT)}; with {@code triggersDisabled} they were disabled for
 *     the restore instead
 * @param triggersDisabled {@code --disable-triggers}: they were switched off until the commit
 *     (which locked the app's writes to those tables until then)
 * @param keysSetAfter foreign keys whose columns were inserted NULL and set afterwards (a cycle
 *     among the restored rows with a key that is not deferrable)
 * @param keysDeferred deferrable foreign keys checked at the end of the load instead of row by row
 * @param sequencesNotSet sequences the backup records, which a restore into live tables never sets
 *     back (the app goes on drawing from them)
 */
public record LiveRestoreReport(
    List<Entry> entries,
    List<String> triggers,
    boolean triggersDisabled,
    List<String> keysSetAfter,
    List<String> keysDeferred,
    List<String> sequencesNotSet) {
  public LiveRestoreReport {
    entries = List.copyOf(entries);
    triggers = List.copyOf(triggers);
    keysSetAfter = List.copyOf(keysSetAfter);
    keysDeferred = List.copyOf(keysDeferred);
    sequencesNotSet = List.copyOf(sequencesNotSet);
  }

  /**
   * A block as the restore's list of tables names it: the table, and {@code " (updated)"} after it
   * for an update entry (whose columns are put back, not its rows).
   */
  static String listedName(String action, String name) {
    return action.equals(BackupManifest.TableEntry.DELETE) ? name : name + " (updated)";
  }

  /**
   * One block.
   *
   * @param action {@code delete} (rows inserted back) or {@code update} (columns put back)
   * @param rows the rows the block holds
   * @param restored rows inserted, or rows with a column put back
   * @param gone for an update entry, rows no longer in the table (deleted since, or no key to find
   *     them by): their columns could not be put back
   * @param goneKeys up to five of those rows' keys, e.g. {@code id = 7}
   * @param changed for an update entry, rows in which the app has changed a column the reset set
   *     (NULL or the default) since: that column keeps the app's value, not the backup's (columns
   *     still as the reset left them are put back)
   * @param changedKeys up to five of those rows' keys
   * @param updatedColumns for an update entry, the columns the reset set, which are put back where
   *     it changed them and the app has not since
   */
  public record Entry(
      String name,
      String action,
      long rows,
      long restored,
      long gone,
      List<String> goneKeys,
      long changed,
      List<String> changedKeys,
      List<String> updatedColumns) {
    public Entry {
      goneKeys = List.copyOf(goneKeys);
      changedKeys = List.copyOf(changedKeys);
      updatedColumns = updatedColumns == null ? List.of() : List.copyOf(updatedColumns);
    }
  }
}

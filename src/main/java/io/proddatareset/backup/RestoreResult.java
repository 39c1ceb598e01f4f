package io.proddatareset.backup;

import java.util.List;

/**
 * A restore that committed.
 *
 * @param tables each table loaded, in file order, with its rows
 * @param skipped tables in the file left out by {@code --only}
 * @param sequences sequences set (setval)
 * @param sequencesAhead sequences left where they were because the file's value would have moved
 *     them back
 * @param manifestChecked true when rows and checksums were checked against the manifest
 * @param foreignKeysRecreated foreign keys dropped for the load and added back (and validated)
 * @param triggersDisabled user triggers disabled during the load and enabled again
 * @param live for a subset backup restored into live tables, what that did; null otherwise
 */
public record RestoreResult(
    List<TableRows> tables,
    List<String> skipped,
    List<String> sequences,
    List<SequenceAhead> sequencesAhead,
    boolean manifestChecked,
    int foreignKeysRecreated,
    int triggersDisabled,
    long millis,
    LiveRestoreReport live) {
  public RestoreResult {
    tables = List.copyOf(tables);
    skipped = List.copyOf(skipped);
    sequences = List.copyOf(sequences);
    sequencesAhead = List.copyOf(sequencesAhead);
  }

  public long totalRows() {
    return tables.stream().mapToLong(TableRows::rows).sum();
  }

  /**
   * A sequence that had already handed out {@code lastValue} when the file would have set it to
   * {@code fileValue}, which is not beyond it.
   */
  public record SequenceAhead(String name, long lastValue, long fileValue) {}

  /** One table restored. */
  public record TableRows(String name, long rows) {}
}

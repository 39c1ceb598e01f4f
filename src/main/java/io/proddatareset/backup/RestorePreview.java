package io.proddatareset.backup;

import java.util.List;

/**
 * What a restore would do, found without changing anything ({@code restore --dry-run}): where the
 * backup comes from and goes to, what it would load, and every reason the restore would be refused.
 *
 * @param origin the source as recorded (no manifest: nothing recorded) and the target
 * @param tables the tables it would load, in file order, with their rows as read from the file (or
 *     as the manifest records them, when the file cannot be read)
 * @param skipped tables in the file left out by {@code --only}
 * @param sequences the sequences it would set
 * @param fileChecked true when the whole file was read and matched its manifest (or, without a
 *     manifest, was complete)
 * @param refusals every reason the restore would be refused, one line each; empty when it would go
 *     ahead
 * @param warnings what it would go ahead despite, e.g. another database with {@code
 *     --allow-other-database}
 * @param live for a subset backup, the plan of the restore into live tables (rows per block as the
 *     file holds them, nothing restored yet); null otherwise
 */
public record RestorePreview(
    BackupOrigin origin,
    List<Table> tables,
    List<String> skipped,
    List<Sequence> sequences,
    boolean fileChecked,
    List<String> refusals,
    List<String> warnings,
    LiveRestoreReport live) {
  public RestorePreview {
    tables = List.copyOf(tables);
    skipped = List.copyOf(skipped);
    sequences = List.copyOf(sequences);
    refusals = List.copyOf(refusals);
    warnings = List.copyOf(warnings);
  }

  /** True when the restore would go ahead. */
  public boolean ok() {
    return refusals.isEmpty();
  }

  public long totalRows() {
    return tables.stream().mapToLong(Table::rows).sum();
  }

  /**
   * One table the restore would load.
   *
   * @param state {@code empty} (it would load), {@code missing} (no such table), {@code has rows}
   */
  public record Table(String name, long rows, String state) {}

  /** A setval the restore would make (unless the sequence is already beyond it). */
  public record Sequence(String name, long value, boolean isCalled) {}
}

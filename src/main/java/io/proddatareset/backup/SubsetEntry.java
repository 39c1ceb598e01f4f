package io.proddatareset.backup;

import io.proddatareset.catalog.Table;
import java.util.List;

/**
 * One COPY block of a subset backup, as its manifest records it ({@link
 * BackupManifest.TableEntry#action}): the rows of {@code table} the reset deletes, whole, or the
 * rows it updates, as they were before.
 *
 * @param key the columns that identify a row (the primary key, else a unique index of NOT NULL
 *     columns), or null when the table has none
 * @param updatedColumns for {@link Action#UPDATE}, the columns the reset sets (the child columns of
 *     its SET NULL / SET DEFAULT keys); empty for {@link Action#DELETE}
 */
public record SubsetEntry(
    Table table, Action action, List<String> key, List<String> updatedColumns) {

  /** What the reset does to the block's rows. */
  public enum Action {
    DELETE,
    UPDATE;

    /** As the manifest writes it: {@code delete} or {@code update}. */
    public String label() {
      return this == DELETE ? BackupManifest.TableEntry.DELETE : BackupManifest.TableEntry.UPDATE;
    }
  }

  public SubsetEntry {
    key = key == null ? null : List.copyOf(key);
    updatedColumns = updatedColumns == null ? List.of() : List.copyOf(updatedColumns);
    if (action == Action.UPDATE && updatedColumns.isEmpty()) {
      throw new IllegalArgumentException("an update entry names the columns it updates");
    }
  }

  /** True for the block of deleted rows. */
  public boolean deletes() {
    return action == Action.DELETE;
  }
}

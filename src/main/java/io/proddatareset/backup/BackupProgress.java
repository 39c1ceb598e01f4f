package io.proddatareset.backup;

import io.proddatareset.catalog.TableName;

/**
 * Receives progress of a backup or restore as it happens. Calls come from several threads at once
 * when a backup runs with several jobs; implementations must be thread-safe and quick.
 */
public interface BackupProgress {
  BackupProgress NONE =
      new BackupProgress() {
        @Override
        public void copied(TableName table, long rows, long bytes) {}

        @Override
        public void phase(String description) {}
      };

  /** Data of {@code table} moved: {@code rows} more rows (may be 0), {@code bytes} more bytes. */
  void copied(TableName table, long rows, long bytes);

  /** A new phase begins, e.g. "verifying the backup". */
  void phase(String description);
}

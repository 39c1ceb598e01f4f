package io.proddatareset.backup;

import io.proddatareset.catalog.TableName;
import java.time.Duration;
import java.util.Set;

/**
 * How to restore.
 *
 * @param only restore just these tables of the file (and their sequences); null for all
 * @param lockTimeout how long to wait for the locks on the tables before giving up
 * @param progress where progress goes
 */
public record RestoreOptions(Set<TableName> only, Duration lockTimeout, BackupProgress progress) {
  public RestoreOptions {
    only = only == null ? null : Set.copyOf(only);
    lockTimeout = lockTimeout == null ? Duration.ofSeconds(10) : lockTimeout;
    progress = progress == null ? BackupProgress.NONE : progress;
  }

  public static RestoreOptions defaults() {
    return new RestoreOptions(null, null, null);
  }
}

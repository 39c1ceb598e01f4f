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
 * @param allowOtherDatabase load a backup whose manifest records another database (another name, or
 *     the same name on another server); without it such a restore is refused
 * @param disableTriggers for a subset backup restored into live tables: disable the user triggers
 *     of the tables it inserts into or updates until the commit ({@code ALTER TABLE ... DISABLE
 *     TRIGGER USER}, which blocks the app's writes to those tables until then); otherwise they fire
 */
public record RestoreOptions(
    Set<TableName> only,
    Duration lockTimeout,
    BackupProgress progress,
    boolean allowOtherDatabase,
    boolean disableTriggers) {
  public RestoreOptions {
    only = only == null ? null : Set.copyOf(only);
    lockTimeout = lockTimeout == null ? Duration.ofSeconds(10) : lockTimeout;
    progress = progress == null ? BackupProgress.NONE : progress;
  }

  /** Options that refuse a backup of another database. */
  public RestoreOptions(Set<TableName> only, Duration lockTimeout, BackupProgress progress) {
    this(only, lockTimeout, progress, false, false);
  }

  public static RestoreOptions defaults() {
    return new RestoreOptions(null, null, null, false, false);
  }
}

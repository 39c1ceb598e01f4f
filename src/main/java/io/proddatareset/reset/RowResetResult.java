package io.proddatareset.reset;

import io.proddatareset.backup.BackupResult;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.plan.RowClosure;
import java.time.Duration;
import java.util.Map;

/**
 * What a row reset did ({@link RowReset}).
 *
 * @param plan the plan computed under the row locks (the confirmed plan's id)
 * @param closure the closure as it was, stable under the row locks: per table the rows deleted and
 *     the rows updated (each statement checked to have changed exactly those)
 * @param backup the verified subset backup, or null without one
 * @param marks the reset transaction's id and time (no table storage: nothing is truncated)
 * @param rounds how many times the closure was computed until it was stable under the locks
 * @param lockAttempts the {@code FOR UPDATE} attempts made in all
 * @param lockWaited from the first lock attempt until every row was locked
 * @param addedSince rows written during the reset through a virtual reference ({@code --reference},
 *     {@code --tenant-key}) to a deleted row, which row locks cannot hold off: per reference
 *     ({@link io.proddatareset.plan.ClosureEdge#display}), how many; they were left
 * @param millis the whole reset, from the first connection to the commit
 */
public record RowResetResult(
    ResetPlan plan,
    RowClosure.Result closure,
    BackupResult backup,
    ResetMarks marks,
    int rounds,
    int lockAttempts,
    Duration lockWaited,
    Map<String, Long> addedSince,
    long millis) {
  public RowResetResult {
    addedSince = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(addedSince));
  }

  public long rowsDeleted() {
    return closure.tables().stream().mapToLong(RowClosure.Reached::deleteRows).sum();
  }

  public long rowsUpdated() {
    return closure.tables().stream().mapToLong(RowClosure.Reached::updateRows).sum();
  }
}

package io.proddatareset.reset;

import io.proddatareset.backup.BackupResult;
import io.proddatareset.catalog.TableName;
import io.proddatareset.plan.ResetPlan;
import java.util.List;

/**
 * A committed reset, or one that found nothing to remove.
 *
 * @param plan the plan as computed inside the reset's transaction, after the locks were taken (its
 *     row counts are the rows that were removed)
 * @param backup the verified backup, or null when the user skipped it
 * @param truncated the tables emptied, in the order named in the TRUNCATE
 * @param kept the kept tables' fingerprints, unchanged by the reset
 * @param rowsRemoved the rows the TRUNCATE removed
 * @param millis time from the first lock to the commit
 * @param alreadyEmpty true when every reset table was already empty: then nothing was written,
 *     truncated or committed, {@code backup} is null and {@code kept} empty
 * @param marks what proves a row was written after the commit ({@link ResetMarks}), read just
 *     before it; null when nothing was committed
 * @param finalPhaseMillis how long the app's writers were locked out: from the locks against them
 *     to the commit (0 when nothing was done)
 */
public record ResetResult(
    ResetPlan plan,
    BackupResult backup,
    List<TableName> truncated,
    List<TableFingerprint> kept,
    long rowsRemoved,
    long millis,
    boolean alreadyEmpty,
    ResetMarks marks,
    long finalPhaseMillis) {
  public ResetResult {
    truncated = List.copyOf(truncated);
    kept = List.copyOf(kept);
  }
}

package io.proddatareset.backup;

import java.io.InputStream;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * The writer's tuning values, which tests change for one backup: the defaults are what every
 * command uses.
 *
 * @param partPages tables larger than 1.5 times this many heap pages (8 kB each) are copied in
 *     parts of this size when several jobs run (PostgreSQL 14+, which scans ctid ranges directly)
 * @param memoryPerPart what a part waiting for its turn may hold in memory before it spills to a
 *     temporary file
 * @param memoryTotal what all parts waiting for their turn may hold in memory together
 * @param readBack wraps what the check reads back from the file (or the stream); tests damage the
 *     bytes here
 * @param workerLockTimeout how long a worker waits for its lock on a table (see {@link PartCopier})
 */
record BackupTuning(
    long partPages,
    long memoryPerPart,
    long memoryTotal,
    UnaryOperator<InputStream> readBack,
    Duration workerLockTimeout) {
  static final BackupTuning DEFAULT =
      new BackupTuning(4096, 16L << 20, 64L << 20, in -> in, Duration.ofSeconds(30));

  BackupTuning withPartPages(long pages) {
    return new BackupTuning(pages, memoryPerPart, memoryTotal, readBack, workerLockTimeout);
  }

  BackupTuning withMemory(long perPart, long total) {
    return new BackupTuning(partPages, perPart, total, readBack, workerLockTimeout);
  }

  BackupTuning withReadBack(UnaryOperator<InputStream> wrap) {
    return new BackupTuning(partPages, memoryPerPart, memoryTotal, wrap, workerLockTimeout);
  }

  BackupTuning withWorkerLockTimeout(Duration timeout) {
    return new BackupTuning(partPages, memoryPerPart, memoryTotal, readBack, timeout);
  }
}

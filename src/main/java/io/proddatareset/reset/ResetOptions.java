package io.proddatareset.reset;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to run a reset.
 *
 * @param backupFile where the backup goes; null only with {@code noBackupReason}
 * @param noBackupReason the user's reason for skipping the backup ({@code --i-have-a-backup}), or
 *     null
 * @param lockTimeout how long to wait for each lock (the table locks, and TRUNCATE's own)
 * @param statementTimeout the limit for the TRUNCATE statement
 * @param restartIdentity add RESTART IDENTITY to the TRUNCATE
 * @param keptCheck how closely to check kept tables
 * @param jobs connections copying data for the backup
 * @param gzipLevel the gzip level of a {@code .gz} backup
 */
public record ResetOptions(
    Path backupFile,
    String noBackupReason,
    Duration lockTimeout,
    Duration statementTimeout,
    boolean restartIdentity,
    TableFingerprint.Mode keptCheck,
    int jobs,
    int gzipLevel) {

  public ResetOptions {
    if ((backupFile == null) == (noBackupReason == null)) {
      throw new IllegalArgumentException("either a backup file or a reason for having none");
    }
  }
}

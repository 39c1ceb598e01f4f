package io.proddatareset.backup;

/**
 * How to write a backup.
 *
 * @param jobs how many tables or table parts to copy at once (1 copies on the caller's connection
 *     only); each extra job opens one connection that imports the caller's snapshot
 * @param planId the plan the backup belongs to, or null
 * @param target the target as {@code Redaction.describe} shows it (never a password), or null
 * @param progress where progress goes
 */
public record BackupOptions(int jobs, String planId, String target, BackupProgress progress) {
  public BackupOptions {
    if (jobs < 1) {
      throw new IllegalArgumentException("jobs must be at least 1");
    }
    progress = progress == null ? BackupProgress.NONE : progress;
  }

  /** The default number of jobs: the number of cores, at most 4. */
  public static int defaultJobs() {
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
  }

  public static BackupOptions defaults() {
    return new BackupOptions(defaultJobs(), null, null, BackupProgress.NONE);
  }

  public BackupOptions withJobs(int n) {
    return new BackupOptions(n, planId, target, progress);
  }

  public BackupOptions withPlanId(String id) {
    return new BackupOptions(jobs, id, target, progress);
  }

  public BackupOptions withTarget(String redactedTarget) {
    return new BackupOptions(jobs, planId, redactedTarget, progress);
  }

  public BackupOptions withProgress(BackupProgress p) {
    return new BackupOptions(jobs, planId, target, p);
  }
}

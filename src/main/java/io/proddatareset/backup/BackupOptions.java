package io.proddatareset.backup;

/**
 * How to write a backup.
 *
 * @param jobs how many tables or table parts to copy at once (1 copies on the caller's connection
 *     only); each extra job opens one connection that imports the caller's snapshot
 * @param planId the plan the backup belongs to, or null
 * @param target the target as {@code Redaction.describe} shows it (never a password), or null
 * @param progress where progress goes
 * @param kept the kept tables' fingerprints to record in the manifest (a reset's), or empty
 * @param gzipLevel the gzip level of a {@code .gz} backup, 1 (fastest) to 9 (smallest)
 */
public record BackupOptions(
    int jobs,
    String planId,
    String target,
    BackupProgress progress,
    java.util.List<BackupManifest.KeptEntry> kept,
    int gzipLevel) {
  /** gzip's fastest level: backups are written far more often than they are restored. */
  public static final int DEFAULT_GZIP_LEVEL = 1;

  public BackupOptions {
    if (jobs < 1) {
      throw new IllegalArgumentException("jobs must be at least 1");
    }
    if (gzipLevel < 1 || gzipLevel > 9) {
      throw new IllegalArgumentException("the gzip level must be between 1 and 9");
    }
    progress = progress == null ? BackupProgress.NONE : progress;
    kept = kept == null ? java.util.List.of() : java.util.List.copyOf(kept);
  }

  /** Options without kept-table fingerprints, at the default gzip level. */
  public BackupOptions(int jobs, String planId, String target, BackupProgress progress) {
    this(jobs, planId, target, progress, null, DEFAULT_GZIP_LEVEL);
  }

  /** The default number of jobs: the number of cores, at most 4. */
  public static int defaultJobs() {
    return defaultJobs(false);
  }

  /**
   * The default number of jobs: the number of cores, at most 4; half of them when the server runs
   * on this machine, whose COPY work then needs the same cores (on two cores, two jobs took a third
   * longer than one: docs/BENCHMARKS.md).
   */
  public static int defaultJobs(boolean serverOnThisMachine) {
    return defaultJobs(Runtime.getRuntime().availableProcessors(), serverOnThisMachine);
  }

  static int defaultJobs(int cores, boolean serverOnThisMachine) {
    int usable = serverOnThisMachine ? cores / 2 : cores;
    return Math.max(1, Math.min(4, usable));
  }

  public static BackupOptions defaults() {
    return new BackupOptions(
        defaultJobs(), null, null, BackupProgress.NONE, null, DEFAULT_GZIP_LEVEL);
  }

  public BackupOptions withJobs(int n) {
    return new BackupOptions(n, planId, target, progress, kept, gzipLevel);
  }

  public BackupOptions withPlanId(String id) {
    return new BackupOptions(jobs, id, target, progress, kept, gzipLevel);
  }

  public BackupOptions withTarget(String redactedTarget) {
    return new BackupOptions(jobs, planId, redactedTarget, progress, kept, gzipLevel);
  }

  public BackupOptions withProgress(BackupProgress p) {
    return new BackupOptions(jobs, planId, target, p, kept, gzipLevel);
  }

  public BackupOptions withKept(java.util.List<BackupManifest.KeptEntry> keptTables) {
    return new BackupOptions(jobs, planId, target, progress, keptTables, gzipLevel);
  }

  public BackupOptions withGzipLevel(int level) {
    return new BackupOptions(jobs, planId, target, progress, kept, level);
  }
}

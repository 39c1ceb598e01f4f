package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.backup.BackupOptions;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.TargetParser;
import picocli.CommandLine.Option;

/**
 * {@code --jobs N}: how many connections copy a backup at once, for backup and for reset (and the
 * top-level reset form). One limit and one default; backup and reset each keep the name and help
 * text they have always had ({@link ForBackup}, {@link ForReset}).
 */
abstract class JobsOption {
  /** The most connections a backup may open to the server at once. */
  static final int MAX = 16;

  Integer jobs;

  /**
   * @throws ExitException USAGE when {@code --jobs} is out of range
   */
  void validate() {
    if (jobs != null && (jobs < 1 || jobs > MAX)) {
      throw ExitException.usage("--jobs must be between 1 and " + MAX + ".");
    }
  }

  /**
   * The number of jobs: as given, else {@link BackupOptions#defaultJobs} (fewer when the server
   * runs on this machine).
   *
   * @throws ExitException USAGE when {@code --jobs} is out of range
   */
  int count(ConnectionTarget target) {
    validate();
    return jobs != null ? jobs : BackupOptions.defaultJobs(TargetParser.isLoopback(target.host()));
  }

  /** backup's {@code -j, --jobs}. */
  static final class ForBackup extends JobsOption {
    @Option(
        names = {"-j", "--jobs"},
        paramLabel = "N",
        description =
            "Copy up to N tables (or parts of a large table) at once, each on its own connection"
                + " sharing the snapshot (default: the number of cores, at most 4; half of them"
                + " when the server runs on this machine).")
    void set(Integer n) {
      jobs = n;
    }
  }

  /** reset's {@code --jobs}. */
  static final class ForReset extends JobsOption {
    @Option(
        names = "--jobs",
        paramLabel = "N",
        description =
            "Connections copying the backup (default: the number of cores, at most 4; half of them"
                + " when the server runs on this machine).")
    void set(Integer n) {
      jobs = n;
    }
  }
}

package io.proddatareset.cli;

import io.proddatareset.Durations;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.RestoreOptions;
import io.proddatareset.catalog.TableName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of restore besides the target and the file. */
class RestoreSwitches {
  private static final String DEFAULT_LOCK_TIMEOUT = "10s";

  @Option(
      names = "--confirm",
      paramLabel = "DBNAME",
      description =
          "The target database's name, to confirm without a terminal (otherwise you are asked to"
              + " type it).")
  String confirm;

  @Option(
      names = "--only",
      paramLabel = "LIST",
      split = ",",
      description =
          "Restore only these tables of the backup (comma-separated or repeated), and their"
              + " sequences.")
  List<String> only = new ArrayList<>();

  @Option(
      names = "--lock-timeout",
      paramLabel = "DURATION",
      defaultValue = DEFAULT_LOCK_TIMEOUT,
      description =
          "How long to wait for the locks on the tables, e.g. 10s, 500ms, 1m (default:"
              + " ${DEFAULT-VALUE}).")
  String lockTimeout;

  @Option(
      names = "--dry-run",
      description =
          "Only show what the restore would do: the target, where the backup comes from, the"
              + " tables and rows it would load, the sequences, and every reason it would be"
              + " refused. Reads only (nothing is locked or written); needs no confirmation."
              + " Exit 0 when the restore would go ahead, 3 when it would be refused.")
  boolean dryRun;

  @Option(
      names = "--allow-other-database",
      description =
          "Load a backup whose manifest records another database than the target (another name,"
              + " or the same name on another server). Without it, such a restore is refused.")
  boolean allowOtherDatabase;

  @Option(
      names = "--disable-triggers",
      description =
          "For a subset backup (restored into live tables): disable the user triggers of the"
              + " tables it inserts into or updates until the commit, instead of letting them fire"
              + " as for the app's own rows (--dry-run lists them). This locks the app's writes to"
              + " those tables until the commit.")
  boolean disableTriggers;

  @Mixin JsonOption json;

  @Mixin AuditLogOption auditLog;

  /**
   * {@code --lock-timeout}, parsed.
   *
   * @throws io.proddatareset.ExitException USAGE when it is not a duration
   */
  Duration lockWait() {
    return Durations.parse("--lock-timeout", lockTimeout);
  }

  /** How to restore the tables {@code only} (null for all) of the backup. */
  RestoreOptions options(Set<TableName> only, Duration lockWait, BackupProgress progress) {
    return new RestoreOptions(only, lockWait, progress, allowOtherDatabase, disableTriggers);
  }

  /** The options of a dry run that the restore itself needs too, unquoted, to print them. */
  List<String> sameOptions() {
    List<String> options = new ArrayList<>();
    only.forEach(name -> options.addAll(List.of("--only", name)));
    if (!lockTimeout.equals(DEFAULT_LOCK_TIMEOUT)) {
      options.addAll(List.of("--lock-timeout", lockTimeout));
    }
    if (allowOtherDatabase) {
      options.add("--allow-other-database");
    }
    if (disableTriggers) {
      options.add("--disable-triggers");
    }
    if (auditLog.file != null) {
      options.addAll(List.of("--audit-log", auditLog.file.toString()));
    }
    return options;
  }
}

package io.proddatareset.cli;

import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.reset.ResetOptions;
import io.proddatareset.reset.TableFingerprint;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The switches of reset, shared with the top-level seed form ({@code URL --backup FILE}). */
class ResetSwitches implements Cloneable {
  @Option(
      names = "--backup",
      paramLabel = "FILE",
      description =
          "Write the backup of the removed rows here (.gz or .zst compress). Required unless --no-backup.")
  Path backup;

  @Option(
      names = "--no-backup",
      description = "Skip the backup; only with --i-have-a-backup REASON.")
  boolean noBackup;

  @Option(
      names = "--i-have-a-backup",
      paramLabel = "REASON",
      description =
          "Why no backup is needed (where the data is backed up); goes into the audit log.")
  String noBackupReason;

  @Option(
      names = "--confirm",
      paramLabel = "DBNAME",
      description =
          "Confirm without a prompt by naming the target database (for scripts and agents).")
  String confirm;

  @Option(
      names = "--plan-id",
      paramLabel = "ID",
      description = "Refuse unless the plan id is this one (the plan you reviewed).")
  String planId;

  @Option(
      names = "--lock-timeout",
      paramLabel = "DURATION",
      defaultValue = "5s",
      description =
          "How long to wait for table locks, e.g. 5s, 500ms, 1m (default: ${DEFAULT-VALUE}).")
  String lockTimeout;

  @Option(
      names = "--statement-timeout",
      paramLabel = "DURATION",
      defaultValue = "60s",
      description = "Limit for the TRUNCATE statement (default: ${DEFAULT-VALUE}).")
  String statementTimeout;

  @Option(
      names = "--restart-identity",
      description =
          "Restart the reset tables' sequences (TRUNCATE ... RESTART IDENTITY). Refused when a"
              + " table that is not reset draws from one of them.")
  boolean restartIdentity;

  @Option(
      names = "--kept-check",
      paramLabel = "MODE",
      defaultValue = "hash",
      description =
          "How to check kept tables: hash (row count and content hash) or count (row count only, for huge tables). Default: ${DEFAULT-VALUE}.")
  String keptCheck;

  @Mixin JobsOption.ForReset jobs;

  @Mixin CompressionLevelOption compressionLevel;

  @Mixin AuditLogOption auditLog;

  /**
   * The reset's options, checked.
   *
   * @throws ExitException USAGE for switches that do not go together or a bad value
   */
  ResetOptions options(ConnectionTarget target) {
    if (backup != null && backup.toString().equals("-")) {
      throw ExitException.usage(
          "A reset needs a backup it can read back before it truncates: give a file name for"
              + " --backup FILE (to stream a backup elsewhere, use backup --output -).");
    }
    if (noBackup && backup != null) {
      throw ExitException.usage("Give either --backup FILE or --no-backup, not both.");
    }
    if (!noBackup && backup == null) {
      throw ExitException.usage(
          "A reset needs --backup FILE (or --no-backup --i-have-a-backup REASON).");
    }
    if (noBackup && (noBackupReason == null || noBackupReason.isBlank())) {
      throw ExitException.usage(
          "--no-backup needs --i-have-a-backup REASON saying where the data is backed up.");
    }
    if (!noBackup && noBackupReason != null) {
      throw ExitException.usage("--i-have-a-backup goes with --no-backup only.");
    }
    TableFingerprint.Mode mode =
        switch (keptCheck.toLowerCase(Locale.ROOT)) {
          case "hash" -> TableFingerprint.Mode.HASH;
          case "count" -> TableFingerprint.Mode.COUNT;
          default ->
              throw ExitException.usage(
                  "--kept-check must be hash or count, not '" + keptCheck + "'.");
        };
    int n = jobs.count(target);
    return new ResetOptions(
        noBackup ? null : backup.toAbsolutePath().normalize(),
        noBackup ? noBackupReason.strip() : null,
        Durations.parse("--lock-timeout", lockTimeout),
        Durations.parse("--statement-timeout", statementTimeout),
        restartIdentity,
        mode,
        n,
        compressionLevel.gzipLevel(noBackup ? null : backup));
  }

  /**
   * A copy of these switches for one reset of the MCP server: the server's own switches with the
   * backup, plan id and confirmation of that call; the server's are never changed.
   */
  ResetSwitches forCall(Path backup, String planId, String confirm) {
    ResetSwitches call;
    try {
      call = (ResetSwitches) clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
    call.backup = backup;
    call.noBackup = backup == null && noBackup;
    call.noBackupReason = backup == null ? noBackupReason : null;
    call.confirm = confirm;
    call.planId = planId;
    return call;
  }

  boolean requested() {
    return backup != null || noBackup;
  }
}

package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.audit.AuditLog;
import io.proddatareset.audit.AuditRecord;
import io.proddatareset.connect.ConnectionTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The audit events of one run of a destructive command: a refusal, or started followed by succeeded
 * or failed, sharing one run id. The log is checked for writability before anything is changed, so
 * a run that cannot be audited does not start.
 */
final class AuditTrail {
  private final AuditLog log;
  private final String command;
  private final String run = UUID.randomUUID().toString();
  private final long startNanos = System.nanoTime();
  private ConnectionTarget target;
  private String planId;
  private Map<String, Long> tables = new LinkedHashMap<>();
  private String backupFile;
  private String backupSha256;
  private String consent;
  private String noBackupReason;
  private boolean succeeded;

  private AuditTrail(AuditLog log, String command) {
    this.log = log;
    this.command = command;
  }

  /** Resolves the log ({@code --audit-log} or the default) and checks it can be written. */
  static AuditTrail open(Path explicit, Io io, String command) {
    AuditLog log = AuditLog.resolve(explicit, io.env());
    log.ensureWritable();
    return new AuditTrail(log, command);
  }

  AuditTrail target(ConnectionTarget t) {
    this.target = t;
    return this;
  }

  AuditTrail planId(String id) {
    this.planId = id;
    return this;
  }

  AuditTrail tables(Map<String, Long> rowsByTable) {
    this.tables = new LinkedHashMap<>(rowsByTable);
    return this;
  }

  AuditTrail backup(String file, String sha256) {
    this.backupFile = file;
    this.backupSha256 = sha256;
    return this;
  }

  AuditTrail consent(String text) {
    this.consent = text;
    return this;
  }

  AuditTrail noBackupReason(String reason) {
    this.noBackupReason = reason;
    return this;
  }

  void started() {
    log.append(record(AuditRecord.Outcome.STARTED, null));
  }

  void succeeded() {
    succeeded = true;
    log.append(record(AuditRecord.Outcome.SUCCEEDED, null));
  }

  /**
   * For work that cannot be undone once done (a committed reset): records success, and when the log
   * cannot take it, says so on stderr instead of turning a done change into a failure.
   */
  void succeededAfterCommit(Io io) {
    try {
      succeeded();
    } catch (ExitException e) {
      io.err()
          .println(
              "warning: the change was committed, but the audit log could not record it: "
                  + e.getMessage());
    }
  }

  /** True once success was recorded (or attempted): later errors are not this run's failure. */
  boolean succeededRecorded() {
    return succeeded;
  }

  /** Records a refusal (REFUSED or CANCELLED) or a failure, as the exception's status says. */
  void ended(Throwable failure) {
    boolean refused =
        failure instanceof ExitException e
            && (e.status() == ExitStatus.REFUSED || e.status() == ExitStatus.CANCELLED);
    log.append(record(refused ? AuditRecord.Outcome.REFUSED : AuditRecord.Outcome.FAILED, failure));
  }

  private AuditRecord record(AuditRecord.Outcome outcome, Throwable failure) {
    AuditRecord.Builder b =
        AuditRecord.builder(command)
            .run(run)
            .outcome(outcome)
            .planId(planId)
            .tables(tables)
            .backup(backupFile, backupSha256)
            .consent(consent)
            .noBackupReason(noBackupReason)
            .duration(Duration.ofNanos(System.nanoTime() - startNanos));
    if (target != null) {
      b.target(target);
    }
    if (failure != null) {
      b.error(failure);
    }
    return b.build();
  }
}

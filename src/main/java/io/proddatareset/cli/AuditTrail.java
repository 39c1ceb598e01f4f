package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.audit.AuditLog;
import io.proddatareset.audit.AuditRecord;
import io.proddatareset.connect.ConnectionTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The audit events of one run of a destructive command, sharing one run id: {@code started} when
 * the change begins, and exactly one final event ({@code succeeded}, {@code failed}, {@code
 * refused}, {@code rolled_back} or {@code interrupted}), whichever comes first; a refusal before
 * the start is the only event of its run. The log is checked for writability before anything is
 * changed, so a run that cannot be audited does not start.
 *
 * <p>Once started, a run interrupted by Ctrl-C or SIGTERM still gets its final event, from the
 * {@link InterruptGuard} that every run must have before it starts.
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
  // guarded by this
  private boolean finalRecorded;
  private boolean guarded;

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

  /**
   * Records that the change begins.
   *
   * @throws IllegalStateException when no {@link InterruptGuard} guards the run, which would leave
   *     an interrupted run without its final event
   */
  void started() {
    synchronized (this) {
      if (!guarded) {
        throw new IllegalStateException("the " + command + " must install an InterruptGuard");
      }
    }
    log.append(record(AuditRecord.Outcome.STARTED, null));
  }

  /** An {@link InterruptGuard} records the interruption, if one comes. */
  synchronized void interruptsHandledElsewhere() {
    guarded = true;
  }

  void succeeded() {
    succeeded = true;
    finish(AuditRecord.Outcome.SUCCEEDED, null, null);
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

  /**
   * Records how the run ended, as the exception's status says: refused (REFUSED or CANCELLED),
   * interrupted (INTERRUPTED), otherwise failed.
   */
  void ended(Throwable failure) {
    AuditRecord.Outcome outcome = AuditRecord.Outcome.FAILED;
    if (failure instanceof ExitException e) {
      outcome =
          switch (e.status()) {
            case REFUSED, CANCELLED -> AuditRecord.Outcome.REFUSED;
            case INTERRUPTED -> AuditRecord.Outcome.INTERRUPTED;
            default -> AuditRecord.Outcome.FAILED;
          };
    }
    finish(outcome, null, failure);
  }

  /** Records that the run's own check failed after part of the work and it rolled back. */
  void rolledBack(Throwable failure) {
    finish(AuditRecord.Outcome.ROLLED_BACK, null, failure);
  }

  /** Records an interrupted run, with the line that says what state it left. */
  void interrupted(String stateLine) {
    finish(AuditRecord.Outcome.INTERRUPTED, stateLine, null);
  }

  /** Appends the final event unless one was appended already. */
  private void finish(AuditRecord.Outcome outcome, String error, Throwable failure) {
    synchronized (this) {
      if (finalRecorded) {
        return;
      }
      finalRecorded = true;
    }
    AuditRecord.Builder b = builder(outcome, failure);
    if (error != null) {
      b.error(error);
    }
    log.append(b.build());
  }

  private AuditRecord record(AuditRecord.Outcome outcome, Throwable failure) {
    return builder(outcome, failure).build();
  }

  private AuditRecord.Builder builder(AuditRecord.Outcome outcome, Throwable failure) {
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
    return b;
  }
}

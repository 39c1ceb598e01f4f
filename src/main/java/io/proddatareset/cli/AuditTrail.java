package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.audit.AuditLog;
import io.proddatareset.audit.AuditRecord;
import io.proddatareset.connect.ConnectionTarget;
import java.time.Duration;

/**
 * The audit records of one run: the log is checked to be writable before anything happens, then
 * {@code started}, and one of {@code succeeded}, {@code failed} or {@code refused} (a safety check
 * or the confirmation said no).
 */
final class AuditTrail {
  private final AuditLog log;
  private final AuditRecord.Builder record;
  private final long startedNanos = System.nanoTime();

  private AuditTrail(AuditLog log, AuditRecord.Builder record) {
    this.log = log;
    this.record = record;
  }

  /**
   * @throws ExitException FAILURE when the log cannot be written: nothing runs unrecorded
   */
  static AuditTrail open(AuditOptions options, Io io, String command, ConnectionTarget target) {
    AuditLog log = options.log(io);
    log.ensureWritable();
    return new AuditTrail(log, AuditRecord.builder(command).target(target));
  }

  /** What the final record should say; set as it becomes known. */
  AuditRecord.Builder record() {
    return record;
  }

  void started() {
    log.append(record.outcome(AuditRecord.Outcome.STARTED).duration(null).build());
  }

  void succeeded() {
    log.append(
        record
            .outcome(AuditRecord.Outcome.SUCCEEDED)
            .error((String) null)
            .duration(elapsed())
            .build());
  }

  /** Records the failure (or refusal) and returns it, to be rethrown. */
  RuntimeException ended(RuntimeException failure) {
    boolean refused =
        failure instanceof ExitException e
            && (e.status() == ExitStatus.REFUSED || e.status() == ExitStatus.CANCELLED);
    try {
      log.append(
          record
              .outcome(refused ? AuditRecord.Outcome.REFUSED : AuditRecord.Outcome.FAILED)
              .error(failure)
              .duration(elapsed())
              .build());
    } catch (ExitException logFailure) {
      failure.addSuppressed(logFailure);
    }
    return failure;
  }

  private Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startedNanos);
  }
}

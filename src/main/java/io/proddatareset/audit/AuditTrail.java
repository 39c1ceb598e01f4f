package io.proddatareset.audit;

import io.proddatareset.ExitException;
import io.proddatareset.connect.ConnectionTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The audit events of one run of a destructive command, sharing one run id: {@code started} when
 * the change begins, and exactly one final event ({@code succeeded}, {@code failed}, {@code
 * refused}, {@code rolled_back} or {@code interrupted}), whichever comes first; a refusal before
 * the start is the only event of its run. The log is checked for writability before anything is
 * changed, so a run that cannot be audited does not start.
 *
 * <p>Once started, a run interrupted by Ctrl-C or SIGTERM still gets its final event, from the
 * command's interrupt guard, which every run must have before it starts ({@link
 * #interruptsHandledElsewhere}). The final event of a failure is {@link #failed}, of an interrupt
 * {@link #interrupted}; the first final event wins, from whichever thread.
 */
public final class AuditTrail {
  private final AuditLog log;
  private final String command;
  private final long startNanos = System.nanoTime();
  private Predicate<Throwable> rolledBack = failure -> false;
  // guarded by this: what is known of the run, which every event records; one run id
  private final AuditRecord.Builder facts;
  private boolean finalRecorded;
  private boolean guarded;
  private volatile boolean succeeded;

  private AuditTrail(AuditLog log, String command, ConnectionTarget target) {
    this.log = log;
    this.command = command;
    this.facts = AuditRecord.builder(command).target(target);
  }

  /**
   * Resolves the log ({@code --audit-log FILE}, else the default for {@code env}) and checks that
   * it can be written.
   *
   * @param command {@code backup}, {@code reset} or {@code restore}
   * @param target the database the run works on
   * @throws ExitException FAILURE when the log cannot be written
   */
  public static AuditTrail open(
      Path explicitFile, Map<String, String> env, String command, ConnectionTarget target) {
    AuditLog log = AuditLog.resolve(explicitFile, env);
    log.ensureWritable();
    return new AuditTrail(log, command, target);
  }

  /**
   * Which failures are the run's own check rolling its work back (recorded {@code rolled_back}); by
   * default none.
   */
  public AuditTrail rolledBackBy(Predicate<Throwable> check) {
    this.rolledBack = check;
    return this;
  }

  /** The plan id the run was bound to or computed, and the tables concerned with their rows. */
  public synchronized AuditTrail plan(String id, Map<String, Long> rowsByTable) {
    facts.planId(id).tables(rowsByTable);
    return this;
  }

  /** The tables concerned with their row counts, in order, replacing those recorded so far. */
  public synchronized AuditTrail tables(Map<String, Long> rowsByTable) {
    facts.tables(rowsByTable);
    return this;
  }

  /**
   * The backup written or read.
   *
   * @param sha256 its SHA-256 in hex, or null while it is not known
   */
  public synchronized AuditTrail backup(String file, String sha256) {
    facts.backup(file, sha256);
    return this;
  }

  /**
   * A reset's final phase: how long it held writers off and the size of its reset tables, for a
   * later plan's estimate of the writers' wait ({@link AuditLog#newestFinalPhase}).
   */
  public synchronized AuditTrail finalPhase(long millis, long bytes) {
    facts.finalPhase(millis, bytes);
    return this;
  }

  /** The user's own words of consent, from {@link AgentConsent#require}. */
  public synchronized AuditTrail consent(String words) {
    facts.consent(words);
    return this;
  }

  /**
   * Issue 14: Render's point-in-time-recovery status of the target, when it was found through the
   * Render API: a second safety net beside the backup.
   */
  public synchronized AuditTrail renderRecovery(String status) {
    facts.renderRecovery(status);
    return this;
  }

  /** The reason given with {@code --i-have-a-backup} for running without a backup. */
  public synchronized AuditTrail noBackupReason(String reason) {
    facts.noBackupReason(reason);
    return this;
  }

  /**
   * Records that the change begins.
   *
   * @throws IllegalStateException when no interrupt guard guards the run, which would leave an
   *     interrupted run without its final event
   */
  public void started() {
    synchronized (this) {
      if (!guarded) {
        throw new IllegalStateException("the " + command + " must install an InterruptGuard");
      }
    }
    log.append(record(AuditRecord.Outcome.STARTED, null, null));
  }

  /** The command's interrupt guard records the interruption, if one comes. */
  public synchronized void interruptsHandledElsewhere() {
    guarded = true;
  }

  /**
   * Records success.
   *
   * @throws ExitException FAILURE when the log cannot take it
   */
  public void succeeded() {
    succeeded = true;
    finish(AuditRecord.Outcome.SUCCEEDED, null, null);
  }

  /**
   * For work that cannot be undone once done (a committed reset): records success, and when the log
   * cannot take it, hands {@code warnings} the line to show instead of turning a done change into a
   * failure.
   */
  public void succeededAfterCommit(Consumer<String> warnings) {
    try {
      succeeded();
    } catch (ExitException e) {
      warnings.accept(
          "warning: the change was committed, but the audit log could not record it: "
              + e.getMessage());
    }
  }

  /** True once success was recorded (or attempted): later errors are not this run's failure. */
  public boolean succeededRecorded() {
    return succeeded;
  }

  /**
   * Records how {@code failure} ended the run, unless its success was recorded: rolled back (as
   * {@link #rolledBackBy} says), refused (an ExitException's REFUSED or CANCELLED), interrupted
   * (INTERRUPTED), otherwise failed.
   */
  public void failed(Throwable failure) {
    if (succeeded) {
      return;
    }
    AuditRecord.Outcome outcome = AuditRecord.Outcome.FAILED;
    if (rolledBack.test(failure)) {
      outcome = AuditRecord.Outcome.ROLLED_BACK;
    } else if (failure instanceof ExitException e) {
      outcome =
          switch (e.status()) {
            case REFUSED, CANCELLED -> AuditRecord.Outcome.REFUSED;
            case INTERRUPTED -> AuditRecord.Outcome.INTERRUPTED;
            default -> AuditRecord.Outcome.FAILED;
          };
    }
    finish(outcome, null, failure);
  }

  /** Records an interrupted run, with the line that says what state it left. */
  public void interrupted(String stateLine) {
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
    log.append(record(outcome, error, failure));
  }

  private synchronized AuditRecord record(
      AuditRecord.Outcome outcome, String error, Throwable failure) {
    facts.outcome(outcome).duration(Duration.ofNanos(System.nanoTime() - startNanos));
    return (failure != null ? facts.error(failure) : facts.error(error)).build();
  }
}

package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.audit.AuditTrail;
import io.proddatareset.connect.Redaction;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What Ctrl-C (SIGINT) or SIGTERM does to one run of a command that changes a database or writes a
 * backup ({@code reset}, {@code restore}, {@code backup}). The JVM runs its shutdown hooks on both
 * signals and then exits; this guard's hook makes that exit print one line saying what state the
 * run left, leave exactly one final audit record, and exit {@link ExitStatus#INTERRUPTED} (130) for
 * both signals.
 *
 * <p>Until the command calls {@link #stage}, nothing is under way: the hook itself prints that
 * nothing was changed, records it and halts. From then on only the command knows the outcome (a
 * commit that was sent must finish), so the hook runs the stage's abort action and waits for the
 * command's work to end and {@link #run} to report it; only when that does not come in time does it
 * print the stage's own line. Either way exactly one line is printed, then the JVM is halted with
 * 130.
 *
 * <p>{@link #run} is the one way a command runs guarded work: it installs the guard, and ends a run
 * that failed with its final audit record, or an interrupted one with its line.
 */
final class InterruptGuard {
  /** How long the hook waits for the command's own report before printing the stage's line. */
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  private final Io io;
  private final AuditTrail audit;
  private final String idleLine;
  private final Thread hook;
  private final CountDownLatch concluded = new CountDownLatch(1);
  private final AtomicBoolean said = new AtomicBoolean();

  private final Object lock = new Object();
  private boolean interrupted;
  private boolean hookReports;
  private boolean staged;
  private Runnable abort = () -> {};
  private Supplier<String> line;

  private InterruptGuard(Io io, AuditTrail audit, String idleLine) {
    this.io = io;
    this.audit = audit;
    this.idleLine = idleLine;
    this.line = () -> idleLine;
    this.hook = new Thread(this::onSignal, "interrupt-guard");
  }

  /**
   * Runs {@code work} of one run under a guard whose final audit record goes to {@code audit}: a
   * failure is recorded as the run's end (unless its success was recorded) and thrown on; after an
   * interrupt the run is concluded with the line saying what state it left. The guard is closed on
   * every path.
   *
   * @param operation e.g. {@code restore}, as in "Interrupted as the restore ended: ..."
   * @param idleLine what an interrupt before the first {@link #stage} leaves, e.g. {@code
   *     Interrupted before the reset started: nothing was changed.}
   * @return the work's exit code, or 130 after an interrupt
   */
  static int run(
      Io io,
      AuditTrail audit,
      String operation,
      String idleLine,
      Function<InterruptGuard, Integer> work) {
    InterruptGuard guard = install(io, audit, idleLine);
    try {
      return work.apply(guard);
    } catch (RuntimeException e) {
      if (guard.interrupted()) {
        return guard.concludeAfter(e, operation);
      }
      audit.failed(e);
      throw e;
    } finally {
      guard.close();
    }
  }

  private static InterruptGuard install(Io io, AuditTrail audit, String idleLine) {
    InterruptGuard guard = new InterruptGuard(io, audit, idleLine);
    audit.interruptsHandledElsewhere();
    Runtime.getRuntime().addShutdownHook(guard.hook);
    return guard;
  }

  /**
   * Enters a stage of the work: from now on an interrupt runs {@code abortAction} (from the
   * signal's thread; it must make the work stop soon, or let a commit finish) and waits for the
   * command's report; {@code lineIfStopped} says what state an interrupt leaves when the command
   * cannot report it itself.
   *
   * @throws ExitException INTERRUPTED when an interrupt came already; its message is {@code
   *     lineIfStopped}, or empty when the hook reports itself (the command must then just return)
   */
  void stage(Runnable abortAction, Supplier<String> lineIfStopped) {
    synchronized (lock) {
      if (interrupted) {
        throw new ExitException(ExitStatus.INTERRUPTED, hookReports ? "" : lineIfStopped.get());
      }
      staged = true;
      abort = abortAction;
      line = lineIfStopped;
    }
  }

  /**
   * The line of an interrupt inside a transaction before its commit, when the work cannot say it
   * itself: {@code Interrupted while loading: the transaction was abandoned ...}.
   *
   * @param step e.g. {@code loading}
   */
  static String abandonedLine(String step) {
    return "Interrupted while "
        + step
        + ": the transaction was abandoned before its commit (the server rolls it back); nothing"
        + " was changed.";
  }

  /**
   * A commit that was sent and did not answer: {@code e} says that the outcome is unknown, and
   * {@code howToCheck} ("To check: ...") how to find out; INTERRUPTED when an interrupt came.
   */
  ExitException commitUnknown(ExitException e, String howToCheck) {
    boolean wasInterrupted = interrupted();
    return new ExitException(
        wasInterrupted ? ExitStatus.INTERRUPTED : e.status(),
        (wasInterrupted ? "Interrupted while committing: " : "")
            + e.getMessage()
            + " "
            + howToCheck,
        e);
  }

  /** What an interrupt now would leave, as the current stage says. */
  String currentLine() {
    Supplier<String> current;
    synchronized (lock) {
      current = line;
    }
    return current.get();
  }

  /** True once a signal came. */
  boolean interrupted() {
    synchronized (lock) {
      return interrupted;
    }
  }

  /**
   * The command's report of an interrupted run: prints {@code stateLine} (unless the hook already
   * printed one, or reports itself because nothing was under way) and records it as the run's final
   * audit event (unless one was recorded), then lets the hook halt the JVM.
   *
   * @return the exit code, 130
   */
  private int conclude(String stateLine) {
    boolean own;
    synchronized (lock) {
      own = hookReports;
    }
    if (!own && stateLine != null && !stateLine.isEmpty()) {
      say(stateLine);
    }
    concluded.countDown();
    return ExitStatus.INTERRUPTED.code();
  }

  /**
   * Ends an interrupted run from the command's catch of {@code e}, what ended it: an INTERRUPTED
   * exception (a stage that stopped) carries the line saying what state it left; a run that had
   * recorded its success as the signal came keeps that outcome, with the current stage's line;
   * anything else ended the run by itself just then, and is recorded and reported as its end.
   *
   * @param operation e.g. {@code restore}, as in "Interrupted as the restore ended: ..."
   * @return the exit code, 130
   */
  private int concludeAfter(RuntimeException e, String operation) {
    if (e instanceof ExitException x && x.status() == ExitStatus.INTERRUPTED) {
      return conclude(x.getMessage());
    }
    if (audit.succeededRecorded()) {
      return conclude(currentLine());
    }
    audit.failed(e);
    return conclude("Interrupted as the " + operation + " ended: " + e.getMessage());
  }

  /**
   * Ends the guard: without an interrupt the hook is removed; after one, the run is concluded with
   * the current stage's line if the command did not conclude it.
   */
  private void close() {
    boolean wasInterrupted;
    Supplier<String> current;
    synchronized (lock) {
      wasInterrupted = interrupted;
      current = line;
    }
    if (wasInterrupted) {
      if (concluded.getCount() > 0) {
        conclude(current.get());
      }
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook is running and will find the run concluded
      concluded.countDown();
    }
  }

  private void onSignal() {
    try {
      boolean ownReport;
      Runnable action;
      synchronized (lock) {
        interrupted = true;
        hookReports = !staged;
        ownReport = hookReports;
        action = abort;
      }
      if (ownReport) {
        say(idleLine);
        return;
      }
      try {
        action.run();
      } catch (RuntimeException e) {
        // aborting is best effort; the command still reports what happened
      }
      if (!concluded.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
        Supplier<String> current;
        synchronized (lock) {
          current = line;
        }
        say(current.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      io.out().flush();
      io.err().flush();
      Runtime.getRuntime().halt(ExitStatus.INTERRUPTED.code());
    }
  }

  /** Prints the one line of an interrupted run and records it; the first caller wins. */
  private void say(String stateLine) {
    if (!said.compareAndSet(false, true)) {
      return;
    }
    io.err().println(Redaction.redact(stateLine));
    io.err().flush();
    try {
      audit.interrupted(stateLine);
    } catch (ExitException e) {
      io.err()
          .println("warning: the audit log could not record the interruption: " + e.getMessage());
    }
  }
}

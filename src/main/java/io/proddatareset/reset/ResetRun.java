package io.proddatareset.reset;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.ManifestFile;
import io.proddatareset.backup.PartialFiles;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.Abandon;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.ResetPlan;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Consumer;

/**
 * One reset as the reset command runs it, after Flyway's guard, executor and result: {@link #plan}
 * outside any transaction; {@link #prepare}, the checks made before the user confirms; {@link
 * #run}, the reset's transaction ({@link ResetService}), the reset's marks written into the
 * backup's manifest, and then the check on a fresh read-only connection, whose outcome is part of
 * the result. {@link #interrupt} stops it from another thread (Ctrl-C) at any point.
 */
public final class ResetRun {
  private final Connector connector;
  private final ResetPlan plan; // null: a row reset that computes its plan under its locks
  private final ResetOptions options;
  // a row reset whose plan is computed under its locks: its policy, reviewed plan id, and display
  private final Policy policy;
  private final String reviewedPlanId;
  private final RowReset.PlanShown shown;

  private final Object lock = new Object();
  // guarded by lock
  private boolean interrupted;
  private RunningReset running; // the whole-table reset, or the row reset of a subset plan
  private Connection checking;

  private ResetRun(Connector connector, ResetPlan plan, ResetOptions options) {
    this(connector, plan, options, null, null, null);
  }

  private ResetRun(
      Connector connector,
      ResetPlan plan,
      ResetOptions options,
      Policy policy,
      String reviewedPlanId,
      RowReset.PlanShown shown) {
    this.connector = connector;
    this.plan = plan;
    this.options = options;
    this.policy = policy;
    this.reviewedPlanId = reviewedPlanId;
    this.shown = shown;
  }

  /**
   * A row reset confirmed beforehand ({@code --confirm}): no plan outside the transaction, the
   * closure computed once, under the reset's own row locks, and shown through {@code shown} before
   * anything is backed up or changed ({@link RowReset#runShowing}). The names and conditions are
   * checked first, read-only ({@link PlanService#checkSelection}), and another reset running is
   * refused at once.
   *
   * @param reviewedPlanId the plan id the user reviewed ({@code --plan-id}), or null
   * @throws ExitException USAGE for a name or condition the server refuses; REFUSED when another
   *     reset or restore runs
   */
  public static ResetRun underLocks(
      Connector connector,
      Policy policy,
      ResetOptions options,
      String reviewedPlanId,
      RowReset.PlanShown shown) {
    ResetService.refuseIfAnotherIsRunning(connector);
    PlanService.checkSelection(connector.target(), policy);
    return new ResetRun(connector, null, options, policy, reviewedPlanId, shown);
  }

  /**
   * The result of a reset: the reset itself, and the check afterwards.
   *
   * @param reset the reset, or null when a row reset found nothing to reset under its locks
   * @param check the check on a fresh read-only connection after the commit (it holds when {@link
   *     VerifyReport#ok}); null when the reset found nothing to remove or the check could not run
   * @param checkFailure why the check could not run (the connection failed, or an interrupt closed
   *     it), or null
   * @param marksNotRecorded why the reset's marks could not be written into the backup's manifest
   *     (then a later {@code verify --manifest} cannot tell rows written since from removed ones),
   *     or null
   */
  public record Outcome(
      ResetResult reset, VerifyReport check, Exception checkFailure, String marksNotRecorded) {
    /** A row reset that found nothing to reset under its locks: nothing was changed. */
    public boolean nothingReset() {
      return reset == null;
    }
  }

  /**
   * The plan the user reviews, outside any transaction, with exact row counts.
   *
   * @throws ExitException REFUSED when another reset or restore is running (it would change what
   *     the plan shows)
   */
  public static ResetPlan plan(Connector connector, Policy policy) {
    ResetService.refuseIfAnotherIsRunning(connector);
    return PlanService.plan(connector.target(), policy, PlanOptions.exactCounts());
  }

  /**
   * The checks between the plan and the confirmation that need no lock: the plan is the one the
   * user reviewed, and a restart of identities touches no sequence a kept table draws from (both
   * are checked again inside the reset's transaction).
   *
   * @param reviewedPlanId the plan id the user reviewed ({@code --plan-id}), or null
   * @throws ExitException REFUSED when the plan id is another, or a kept table draws from a
   *     sequence a restart would reset
   */
  public static ResetRun prepare(
      Connector connector, ResetPlan plan, ResetOptions options, String reviewedPlanId) {
    requireReviewed(plan, reviewedPlanId);
    ResetRun run = new ResetRun(connector, plan, options);
    if (!run.nothingToReset() && options.restartIdentity()) {
      SharedSequences.refuseRestart(connector, plan.resetTables());
    }
    return run;
  }

  /**
   * Refuses when {@code plan} is not the one the user reviewed ({@code --plan-id}, or null: any).
   *
   * @throws ExitException REFUSED naming both ids and what changes an id
   */
  public static void requireReviewed(ResetPlan plan, String reviewedPlanId) {
    if (reviewedPlanId != null && !reviewedPlanId.equals(plan.planId())) {
      throw ExitException.refused(
          "The plan id is "
              + plan.planId()
              + ", not the reviewed "
              + reviewedPlanId
              + ": the database, its schema or the policy changed"
              + (plan.subset() != null ? ", or the rows the selection reaches did" : "")
              + ". Review the new plan. Nothing was changed.");
    }
  }

  /**
   * True when the policy resets no table (and, with {@code --where}, the closure has no row): there
   * is nothing to lock, back up, truncate or delete.
   */
  public boolean nothingToReset() {
    if (plan == null) {
      return false; // known under the locks, where shown is told
    }
    return plan.resetTables().isEmpty()
        && (plan.subset() == null
            || plan.subset().rowsToDelete() + plan.subset().rowsToUpdate() == 0);
  }

  /**
   * The ON TRUNCATE triggers the reset fires, as the plan's catalog has them ({@link
   * io.proddatareset.catalog.Table#firingTruncateTriggers}), e.g. {@code audit on public.tasks}.
   */
  public List<String> truncateTriggers() {
    if (plan == null) {
      return List.of();
    }
    return plan.resetTables().stream()
        .flatMap(n -> plan.catalog().table(n).stream())
        .flatMap(
            t ->
                t.firingTruncateTriggers().stream()
                    .map(tr -> tr.name() + " on " + t.name().display()))
        .toList();
  }

  /**
   * Checks that the backup can be written where asked ({@link BackupLocation#prepare}); nothing to
   * check without a backup.
   *
   * @return the partial files a killed run left beside it, which may hold production rows
   * @throws ExitException USAGE when the backup cannot go there
   */
  public List<PartialFiles.Stale> checkBackupLocation() {
    if (options.backupFile() == null) {
      return List.of();
    }
    BackupLocation.prepare(options.backupFile());
    return PartialFiles.leftBehind(options.backupFile());
  }

  /**
   * Runs the reset, then the check afterwards (unless it found nothing to remove).
   *
   * @param steps told each step of the reset's transaction as it begins
   * @param committed told of the committed reset before the check afterwards starts
   * @throws ExitException as {@link ResetService#run} does; when the commit failed {@link #step} is
   *     still COMMITTING
   */
  public Outcome run(
      ResetService.Listener steps, Consumer<ResetResult> committed, BackupProgress progress) {
    if (plan == null || plan.subset() != null) {
      return runRows(steps, committed, progress);
    }
    ResetService reset = started(new ResetService(connector, options, steps, progress));
    ResetResult result = reset.run(plan);
    if (result.alreadyEmpty()) {
      return new Outcome(result, null, null, null);
    }
    committed.accept(result);
    return checkAfterCommit(result);
  }

  /** issue 13: the row reset ({@link RowReset}), then the check of its backup's manifest. */
  private Outcome runRows(
      ResetService.Listener steps, Consumer<ResetResult> committed, BackupProgress progress) {
    RowReset reset =
        started(new RowReset(connector, options, steps, progress, LockAttempts.Tuning.DEFAULT));
    RowResetResult done =
        plan != null ? reset.run(plan) : reset.runShowing(policy, reviewedPlanId, shown);
    if (done == null) {
      return new Outcome(null, null, null, null); // nothing to reset: nothing was changed
    }
    ResetResult result = RowResetRun.asResetResult(done);
    committed.accept(result);
    String notRecorded = recordMarks(result);
    synchronized (lock) {
      if (interrupted) {
        return new Outcome(
            result, null, new ExitException(ExitStatus.INTERRUPTED, "interrupted"), notRecorded);
      }
    }
    try {
      VerifyReport report =
          result.backup() == null
              ? RowVerify.verifySelection(connector, result.plan(), result.marks())
              : RowVerify.verify(
                  connector,
                  result.backup().manifestFile(),
                  ManifestFile.read(result.backup().manifestFile()));
      return new Outcome(result, report, null, notRecorded);
    } catch (IOException | ExitException e) {
      return new Outcome(result, null, e, notRecorded);
    }
  }

  /**
   * Records the reset's marks in the backup's manifest, then checks on a fresh read-only
   * connection: reset tables empty or holding only rows written since the commit, none of them a
   * row the backup holds; kept tables unchanged or changed since the commit.
   */
  private Outcome checkAfterCommit(ResetResult result) {
    String notRecorded = recordMarks(result);
    try (Connection c = connector.open()) {
      synchronized (lock) {
        if (interrupted) {
          throw new ExitException(ExitStatus.INTERRUPTED, "interrupted after the commit");
        }
        checking = c;
      }
      VerifyReport report =
          result.marks() == null
              ? Verifier.verifyReadOnly(
                  c, result.plan().database(), result.truncated(), result.kept())
              : Verifier.verifyAfterReset(
                  c, result.plan().database(), result.truncated(), result.kept(), against(result));
      return new Outcome(result, report, null, notRecorded);
    } catch (SQLException | ExitException e) {
      return new Outcome(result, null, e, notRecorded);
    } finally {
      synchronized (lock) {
        checking = null;
      }
    }
  }

  /**
   * Adds the reset section to the backup's manifest (atomically: the manifest is either as the
   * backup wrote it or complete with the section); nothing to record without a backup.
   *
   * @return why it could not be written, or null
   */
  private String recordMarks(ResetResult result) {
    if (result.marks() == null || result.backup() == null) {
      return null;
    }
    try {
      ManifestFile.recordReset(
          result.backup().manifestFile(), result.marks().entry(options.restartIdentity()));
      return null;
    } catch (IOException e) {
      return ExitException.firstLine(e);
    }
  }

  private AfterResetCheck.Against against(ResetResult result) {
    if (result.backup() == null) {
      return new AfterResetCheck.Against(
          result.marks(), options.restartIdentity(), null, null, null);
    }
    return new AfterResetCheck.Against(
        result.marks(),
        options.restartIdentity(),
        result.backup().file(),
        result.backup().manifest(),
        "Put the backup back at "
            + result.backup().file()
            + " and check with verify --manifest "
            + result.backup().manifestFile()
            + ".");
  }

  /**
   * Stops the run from another thread: before the commit the reset rolls back ({@link
   * ResetService#interrupt}); once COMMIT is sent the commit finishes, and the check afterwards is
   * cancelled or not started.
   */
  public void interrupt() {
    RunningReset reset;
    Connection c;
    synchronized (lock) {
      interrupted = true;
      reset = running;
      c = checking;
    }
    if (reset != null) {
      reset.interrupt();
    }
    if (c != null) {
      Abandon.cancelAndClose(c);
    }
  }

  /** The step the reset's transaction is in (LOCKING until it starts). */
  public ChangeStep step() {
    synchronized (lock) {
      return running == null ? ChangeStep.LOCKING : running.step();
    }
  }

  /** {@code reset} as the running one, interrupted at once when an interrupt came first. */
  private <T extends RunningReset> T started(T reset) {
    synchronized (lock) {
      running = reset;
      if (interrupted) {
        reset.interrupt();
      }
    }
    return reset;
  }
}

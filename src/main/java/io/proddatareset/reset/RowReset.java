package io.proddatareset.reset;

import io.proddatareset.Counts;
import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.backup.BackupOptions;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.BackupResult;
import io.proddatareset.backup.SubsetBackup;
import io.proddatareset.backup.SubsetEntries;
import io.proddatareset.backup.SubsetEntry;
import io.proddatareset.backup.SubsetInfo;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.pg.OneAtATime;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.SqlState;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.plan.RowClosure;
import io.proddatareset.plan.RowSelection;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * The row reset ({@code reset --where}): the selected rows and everything that depends on them
 * through foreign keys and virtual references (the closure, {@link RowClosure}), deleted children
 * first, and the rows that {@code SET NULL} / {@code SET DEFAULT} keys change, updated, in one
 * transaction on the reset's connection T, while the app goes on reading and writing every other
 * row.
 *
 * <p><b>Isolation: {@code READ COMMITTED}.</b> The closure is locked row by row with {@code FOR
 * UPDATE}, while the app writes. Under {@code REPEATABLE READ} a {@code FOR UPDATE} of a row the
 * app changed after the transaction's snapshot fails with a serialization error, and the closure,
 * read from that snapshot, would miss rows committed since; under {@code READ COMMITTED} each
 * statement sees every row committed before it began, and {@code FOR UPDATE} of a row changed
 * meanwhile re-checks it on its newest version (here: locks that version, if its key still joins).
 * The rows are locked as the closure finds them, parents before their children are looked for, so
 * the closure is stable once computed ({@link RowLocks}); from then on the locked rows cannot
 * change, so every later statement of T sees them as locked.
 *
 * <ol>
 *   <li>{@code SET LOCAL} long-transaction settings with {@code --lock-timeout}; the claim of the
 *       database ({@link OneAtATime}: another reset or restore refuses).
 *   <li>The closure, filled in T ({@link RowClosure#fill}), its rows locked {@code FOR UPDATE} as
 *       they are found, in short attempts within {@code --lock-timeout} (giving up names the
 *       sessions holding them, nothing changed), computed again if the conditions select other rows
 *       by then. No table lock stronger than {@code ROW SHARE} (from {@code FOR UPDATE}) and then
 *       {@code ROW EXCLUSIVE} (from the statements).
 *   <li>The plan, computed in T under the locks (each round's closure is the plan's), must have the
 *       confirmed plan's id (which covers the conditions and the closure's counts) and no hazard: a
 *       closure that reaches a kept table refuses (exit 3), naming the path of keys.
 *   <li>The key set recorded (but for the closure's leaves, tables nothing references: their rows
 *       are named by their parents' and counted as they are locked).
 *   <li>The backup of exactly the deleted rows and the updated rows' pre-images, from T (after the
 *       locks, so it holds what is deleted), parents first ({@link SubsetBackup}); a leaf's block
 *       is copied from its own delete ({@code COPY (DELETE ... RETURNING ...)}), so it is exactly
 *       what was deleted, and checked by count.
 *   <li>The updates, then the deletes children first, a cycle's tables in one statement ({@link
 *       RowResetStatements}), while the backup is synced, read back and compared on a thread of its
 *       own; it is verified and in place before the check.
 *   <li>The check, in T: what the statements returned is exactly the key set, else a rollback (exit
 *       3, nothing changed); the rows written meanwhile through virtual references (not held off by
 *       row locks) counted for the result.
 *   <li>COMMIT.
 * </ol>
 *
 * <p>Any failure before the commit (a lost connection, a lock timeout, a failed check, a backup
 * that cannot be written, {@link #interrupt}) rolls back: nothing was changed, and the backup is
 * removed. It is kept whenever the commit may have happened.
 */
public final class RowReset extends RunningReset {
  private final Connector connector;
  private final ResetOptions options;
  private final ResetService.Listener listener;
  private final BackupProgress progress;
  private final LockAttempts.Tuning tuning;

  public RowReset(
      Connector connector,
      ResetOptions options,
      ResetService.Listener listener,
      BackupProgress progress,
      LockAttempts.Tuning tuning) {
    this.connector = connector;
    this.options = options;
    this.listener = listener;
    this.progress = progress;
    this.tuning = tuning;
  }

  /**
   * Runs the row reset of {@code confirmed}, the subset plan ({@link ResetPlan#subset}) the user
   * reviewed and confirmed.
   *
   * @throws ExitException REFUSED when another reset or restore runs, the plan changed (another id:
   *     the schema, the conditions or the closure's counts) or has a hazard (the closure reaches a
   *     kept table), or the check before the commit rolled it back; USAGE when the backup cannot go
   *     where asked, or whole tables are named with {@code --reset} as well; FAILURE when the rows
   *     could not be locked within {@code --lock-timeout} (naming who holds them) or anything else
   *     fails before the commit (nothing changed), or the commit itself fails (outcome unknown;
   *     {@link #step} is COMMITTING); INTERRUPTED after {@link #interrupt}
   */
  public RowResetResult run(ResetPlan confirmed) {
    if (confirmed.subset() == null) {
      throw new IllegalArgumentException("not a subset plan");
    }
    if (!confirmed.resetTables().isEmpty()) {
      // the planner selects every row of a table named in --reset (SubsetPlanner.withWholeTables)
      throw new IllegalArgumentException("a subset plan truncates no table");
    }
    return ResetFailures.unlessInterrupted(
        run,
        options.backupFile(),
        () -> runTransaction(new Confirmed(confirmed.policy(), confirmed, null, null)));
  }

  /**
   * What the user confirmed: a plan reviewed before ({@code plan}), or, when the plan is computed
   * only under the locks, the policy, the plan id reviewed (or null) and {@code shown}.
   */
  private record Confirmed(Policy policy, ResetPlan plan, String planId, PlanShown shown) {}

  /**
   * Shows the plan a row reset computed under its locks, before it backs up or changes anything; it
   * may refuse (it throws {@link ExitException}: the reset rolls back, nothing was changed).
   */
  @FunctionalInterface
  public interface PlanShown {
    /**
     * @return false when there is nothing to reset: the reset then rolls back and {@link
     *     #runShowing} returns null
     */
    boolean show(ResetPlan plan);
  }

  /**
   * Runs the row reset of {@code policy} (it selects rows) with the plan computed only under its
   * locks, in its own transaction, and shown there through {@code shown} before anything is backed
   * up or changed: what a reset confirmed beforehand ({@code --confirm}) does, so that the closure
   * is computed once. The conditions and names were checked before ({@link
   * io.proddatareset.plan.PlanService#checkSelection}).
   *
   * @param reviewedPlanId the plan id the user reviewed ({@code --plan-id}), or null
   * @return the result, or null when {@code shown} found nothing to reset (nothing was changed)
   * @throws ExitException as {@link #run}; REFUSED when the plan under the locks has another id
   *     than {@code reviewedPlanId}, or whatever {@code shown} throws
   */
  public RowResetResult runShowing(Policy policy, String reviewedPlanId, PlanShown shown) {
    if (!policy.selects()) {
      throw new IllegalArgumentException("not a row reset");
    }
    try {
      return ResetFailures.unlessInterrupted(
          run,
          options.backupFile(),
          () -> runTransaction(new Confirmed(policy, null, reviewedPlanId, shown)));
    } catch (NothingToReset e) {
      return null;
    }
  }

  /** {@link PlanShown} found nothing to reset: roll back, it is not a failure. */
  private static final class NothingToReset extends RuntimeException {
    NothingToReset() {
      super(null, null, false, false);
    }
  }

  private RowResetResult runTransaction(Confirmed confirmed) {
    long start = System.nanoTime();
    return onOwnConnection(
        connector,
        options.backupFile(),
        "row reset",
        opened -> {},
        t -> inTransaction(t, confirmed, start),
        e -> describe(e, written != null));
  }

  private RowResetResult inTransaction(Connection t, Confirmed confirmed, long start)
      throws SQLException {
    SessionSettings.setLocalLongTransaction(t, options.lockTimeout());
    OneAtATime.claim(t, "reset");
    int pid = Connector.serverPid(t);
    Catalog catalog = CatalogReader.read(t, confirmed.policy().schemas());
    KeyDetails keys = KeyDetails.read(t);
    listener.step(
        "Locking the selected rows and the rows that depend on them (FOR UPDATE, short attempts"
            + " within "
            + Durations.limit(options.lockTimeout())
            + "), while the app goes on writing other rows");
    // each round's closure is the plan's, computed in T: the last one is the plan under the locks
    ResetPlan[] plan = new ResetPlan[1];
    RowLocks.Stable stable =
        RowLocks.lockUntilStable(
            t,
            pid,
            connector::open,
            catalog,
            keys,
            locking -> {
              plan[0] = PlanService.lockedSubsetPlan(t, catalog, confirmed.policy(), locking);
              return plan[0].subset().closure();
            },
            closure ->
                RowClosure.selectionUnchanged(
                    t, catalog, keys, plan[0].subset().selection(), closure),
            options.lockTimeout(),
            tuning);
    if (confirmed.plan() != null) {
      if (!plan[0].planId().equals(confirmed.plan().planId())) {
        throw ExitException.refused(
            "The plan changed since it was shown (plan id "
                + confirmed.plan().planId()
                + " is now "
                + plan[0].planId()
                + ": the schema changed, or the rows the selection reaches did). Nothing was"
                + " changed: review the new plan and run again.");
      }
      ResetFailures.refuseIfChanged(confirmed.plan(), plan[0]);
    } else {
      boolean anything = confirmed.shown().show(plan[0]);
      // shown refuses first, in the plan's own words; these hold for any caller
      ResetRun.requireReviewed(plan[0], confirmed.planId());
      if (!anything) {
        throw new NothingToReset();
      }
      if (plan[0].refused()) {
        throw ExitException.refused(
            "The plan has a hazard: "
                + plan[0].hazards().get(0).message()
                + " Nothing was changed.");
      }
    }
    RowClosure.Result closure = stable.closure();
    RowSelection selection = plan[0].subset().selection();
    RowResetStatements statements =
        new RowResetStatements(catalog, keys, closure, RowClosure.edges(catalog, keys, selection));
    statements.check().recordExpected(t);
    statements.recordVirtualParents(t);
    long deleted = closure.tables().stream().mapToLong(RowClosure.Reached::deleteRows).sum();
    long updated = closure.tables().stream().mapToLong(RowClosure.Reached::updateRows).sum();

    Changes changes =
        () -> {
          run.enter(ChangeStep.DELETING);
          listener.step(
              "Deleting "
                  + Counts.of(deleted, "row")
                  + " children first and updating "
                  + Counts.of(updated, "row")
                  + " (SET NULL / SET DEFAULT keys)");
          statements.update(t);
          statements.delete(t);
        };
    BackupResult backup = null;
    if (options.backupFile() != null) {
      run.enter(ChangeStep.BACKING_UP);
      listener.step(
          "Backing up the "
              + Counts.of(deleted, "row")
              + " to delete and the "
              + Counts.of(updated, "row")
              + " to update, as they are, to "
              + options.backupFile());
      backup = backUp(t, plan[0], catalog, keys, selection, closure, statements, changes);
      written = backup;
    } else {
      changes.run();
    }

    run.enter(ChangeStep.CHECKING);
    listener.step(
        "Checking inside the transaction: each statement changed exactly the locked rows");
    List<String> differences = statements.check().differences(t);
    if (!differences.isEmpty()) {
      throw new ResetService.RolledBack(
          "The check before commit failed (the statements did not change exactly the selected"
              + " rows: "
              + String.join("; ", differences)
              + "); rolled back, nothing was changed.",
          null);
    }
    Map<String, Long> added = statements.addedThroughVirtual(t);
    added.forEach(
        (reference, rows) ->
            listener.step(
                "Note: "
                    + Counts.of(rows, "row")
                    + " written during the reset through "
                    + reference
                    + " point at deleted rows (row locks cannot hold such rows off); they are left"
                    + " as they are"));
    // the transaction's id and time, for telling rows written since (no storage is replaced)
    ResetMarks marks = ResetMarks.read(t, List.of());

    run.enter(ChangeStep.COMMITTING);
    listener.step("Committing");
    return new RowResetResult(
        plan[0],
        closure,
        backup,
        marks,
        stable.rounds(),
        stable.attempts(),
        stable.waited(),
        added,
        (System.nanoTime() - start) / 1_000_000);
  }

  /** The updates and deletes on T. */
  @FunctionalInterface
  private interface Changes {
    void run() throws SQLException;
  }

  /**
   * The subset backup from T: every entry's rows (deleted rows parents first, then the updated
   * rows' pre-images), then {@code changes} on T while the file is synced, read back and compared
   * on a thread of its own ({@link SubsetBackup#finishing}); it is verified and in place before
   * this returns, so before the commit. The rows of a leaf of the closure (nothing references them:
   * {@link RowClosure.Result#leaf}) are deleted as they are copied ({@link
   * SubsetBackup#copyDeleting}): its block is then exactly what was deleted, and {@code statements}
   * leaves it out.
   */
  private BackupResult backUp(
      Connection t,
      ResetPlan plan,
      Catalog catalog,
      KeyDetails keys,
      RowSelection selection,
      RowClosure.Result closure,
      RowResetStatements statements,
      Changes changes)
      throws SQLException {
    try {
      List<SubsetEntry> entries = SubsetEntries.of(t, catalog, keys, selection, closure);
      try (SubsetBackup b =
          SubsetBackup.begin(
              t,
              options.backupFile(),
              BackupOptions.defaults()
                  .withPlanId(plan.planId())
                  .withTarget(connector.target().display())
                  .withGzipLevel(options.gzipLevel())
                  .withProgress(progress),
              entries,
              SubsetInfo.of(selection))) {
        for (SubsetEntry e : entries) {
          TableName table = e.table().name();
          String rows = closure.rowsCondition(table, e.deletes());
          if (e.deletes() && closure.leaf(table)) {
            statements.deletedByBackup(table, b.copyDeleting(t, e, rows));
          } else {
            b.copy(t, e, rows);
          }
        }
        SubsetBackup.Finishing finishing = b.finishing(t);
        // the file is checked meanwhile: the server works on the statements, the JVM on the file
        changes.run();
        return finishing.await();
      }
    } catch (ExitException e) {
      throw ResetFailures.rolledBackInstead(e);
    }
  }

  /** A failure before the commit, in one line that says nothing was changed. */
  private static ExitException describe(SQLException e, boolean backupWritten) {
    String what = " (" + ExitException.firstLine(e) + ")";
    String backup = backupWritten ? "; the backup was removed" : "";
    if (SqlState.isConnectionLost(e)) {
      return ExitException.failure(
          "The connection to the database was lost"
              + what
              + ". The transaction never committed, so nothing was changed"
              + backup
              + ".",
          e);
    }
    if (SqlState.isSessionEnded(e)) {
      return ExitException.failure(
          "The server ended the session" + what + ". Nothing was changed" + backup + ".", e);
    }
    return ExitException.failure(
        "The row reset failed: "
            + ExitException.firstLine(e)
            + ". Rolled back, nothing was changed"
            + backup
            + ".",
        e);
  }
}

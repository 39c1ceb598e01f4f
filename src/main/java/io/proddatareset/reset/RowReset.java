package io.proddatareset.reset;

import io.proddatareset.Counts;
import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.pg.Interruptible;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.pg.OneAtATime;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.SqlState;
import io.proddatareset.pg.Transactions;
import io.proddatareset.plan.RowClosure;
import io.proddatareset.plan.RowSelection;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

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
 * meanwhile re-checks it on its newest version (here: skips it, since its {@code ctid} changed, to
 * lock it in the next round). The closure is computed again under the locks until it is stable
 * ({@link RowLocks}); from then on the locked rows cannot change, so every later statement of T
 * sees them as locked.
 *
 * <ol>
 *   <li>{@code SET LOCAL} long-transaction settings with {@code --lock-timeout}; the claim of the
 *       database ({@link OneAtATime}: another reset or restore refuses).
 *   <li>The closure, filled in T ({@link RowClosure#fill}), its rows locked {@code FOR UPDATE} in
 *       short attempts within {@code --lock-timeout} (giving up names the sessions holding them,
 *       nothing changed), computed again until stable. No table lock stronger than {@code ROW
 *       SHARE} (from {@code FOR UPDATE}) and then {@code ROW EXCLUSIVE} (from the statements).
 *   <li>A closure that reaches a kept table refuses (exit 3), naming the path of keys.
 *   <li>The key set recorded; the updates, then the deletes children first, a cycle's tables in one
 *       statement ({@link RowResetStatements}).
 *   <li>The check, in T: what the statements returned is exactly the key set, else a rollback (exit
 *       3, nothing changed); the rows written meanwhile through virtual references (not held off by
 *       row locks) counted for the result.
 *   <li>COMMIT.
 * </ol>
 *
 * <p>Any failure before the commit (a lost connection, a lock timeout, a failed check, {@link
 * #interrupt}) rolls back: nothing was changed.
 */
public final class RowReset {
  private final Connector connector;
  private final ResetOptions options;
  private final ResetService.Listener listener;
  private final LockAttempts.Tuning tuning;
  private final Interruptible run = new Interruptible();

  public RowReset(
      Connector connector,
      ResetOptions options,
      ResetService.Listener listener,
      LockAttempts.Tuning tuning) {
    this.connector = connector;
    this.options = options;
    this.listener = listener;
    this.tuning = tuning;
  }

  /** What to reset: the selection over the catalog the user's plan was made from. */
  public record Subset(
      Catalog catalog, KeyDetails keys, RowSelection selection, Collection<TableName> kept) {
    public Subset {
      kept = List.copyOf(kept);
    }
  }

  /**
   * Runs the row reset of {@code subset}.
   *
   * @throws ExitException REFUSED when another reset or restore runs, the closure reaches a kept
   *     table, or the check before the commit rolled it back; FAILURE when the rows could not be
   *     locked within {@code --lock-timeout} (naming who holds them) or anything else fails before
   *     the commit (nothing changed), or the commit itself fails (outcome unknown; {@link #step} is
   *     COMMITTING); INTERRUPTED after {@link #interrupt}
   */
  public RowResetResult run(Subset subset) {
    try {
      return runTransaction(subset);
    } catch (RuntimeException e) {
      ExitException instead = ResetFailures.interruptedInstead(run.interruptedAt(), null, e);
      throw instead != null ? instead : e;
    }
  }

  /** As {@link ResetService#interrupt}: before the commit, the transaction is abandoned. */
  public void interrupt() {
    run.interrupt();
  }

  public ChangeStep step() {
    return run.step();
  }

  private RowResetResult runTransaction(Subset subset) {
    long start = System.nanoTime();
    Connection opened = connector.open();
    try {
      run.attach(opened);
      run.enter(ChangeStep.LOCKING);
      // before the transaction: a reset running already is refused at once
      ResetService.refuseIfAnotherIsRunning(connector);
      RowResetResult result =
          Transactions.readWriteCommitted(opened, t -> inTransaction(t, subset, start));
      run.enter(ChangeStep.COMMITTED);
      return result;
    } catch (Transactions.CommitFailed e) {
      SQLException cause = (SQLException) e.getCause();
      throw new ExitException(
          ExitStatus.FAILURE,
          "The commit failed ("
              + ExitException.firstLine(cause)
              + "): the row reset may or may not have been applied.",
          cause);
    } catch (SQLException e) {
      throw describe(e);
    } finally {
      try {
        opened.close();
      } catch (SQLException e) {
        // nothing to do
      }
    }
  }

  private RowResetResult inTransaction(Connection t, Subset subset, long start)
      throws SQLException {
    SessionSettings.setLocalLongTransaction(t, options.lockTimeout());
    OneAtATime.claim(t, "reset");
    int pid = Connector.serverPid(t);
    listener.step(
        "Locking the selected rows and the rows that depend on them (FOR UPDATE, short attempts"
            + " within "
            + Durations.limit(options.lockTimeout())
            + "), while the app goes on writing other rows");
    RowLocks.Stable stable =
        RowLocks.lockUntilStable(
            t,
            pid,
            connector::open,
            subset.catalog(),
            subset.keys(),
            subset.selection(),
            options.lockTimeout(),
            tuning);
    RowClosure.Result closure = stable.closure();
    refuseKept(closure, subset.kept());
    RowResetStatements statements =
        new RowResetStatements(
            subset.catalog(),
            subset.keys(),
            closure,
            RowClosure.edges(subset.catalog(), subset.keys(), subset.selection()));
    statements.recordExpected(t);
    statements.recordVirtualParents(t);

    run.enter(ChangeStep.DELETING);
    long deleted = closure.tables().stream().mapToLong(RowClosure.Reached::deleteRows).sum();
    long updated = closure.tables().stream().mapToLong(RowClosure.Reached::updateRows).sum();
    listener.step(
        "Deleting "
            + Counts.of(deleted, "row")
            + " children first and updating "
            + Counts.of(updated, "row")
            + " (SET NULL / SET DEFAULT keys)");
    statements.update(t);
    statements.delete(t);

    run.enter(ChangeStep.CHECKING);
    listener.step(
        "Checking inside the transaction: each statement changed exactly the locked rows");
    List<String> differences = statements.differences(t);
    if (!differences.isEmpty()) {
      throw new ResetService.RolledBack(
          "The check before commit failed (the statements did not change exactly the selected"
              + " rows: "
              + String.join("; ", differences)
              + "); rolled back, nothing was changed.",
          null);
    }
    Map<String, Long> added = statements.addedThroughVirtual(t);

    run.enter(ChangeStep.COMMITTING);
    listener.step("Committing");
    return new RowResetResult(
        closure,
        null,
        stable.rounds(),
        stable.attempts(),
        stable.waited(),
        added,
        (System.nanoTime() - start) / 1_000_000);
  }

  /** A failure before the commit, in one line that says nothing was changed. */
  private static ExitException describe(SQLException e) {
    String what = " (" + ExitException.firstLine(e) + ")";
    if (SqlState.isConnectionLost(e)) {
      return ExitException.failure(
          "The connection to the database was lost"
              + what
              + ". The transaction never committed, so nothing was changed.",
          e);
    }
    if (SqlState.isSessionEnded(e)) {
      return ExitException.failure(
          "The server ended the session" + what + ". Nothing was changed.", e);
    }
    return ExitException.failure(
        "The row reset failed: "
            + ExitException.firstLine(e)
            + ". Rolled back, nothing was changed.",
        e);
  }

  /** Refuses when the closure deletes or updates rows of a kept table, naming how it is reached. */
  private static void refuseKept(RowClosure.Result closure, Collection<TableName> kept) {
    List<RowClosure.Reached> touched = closure.touched(kept);
    if (!touched.isEmpty()) {
      throw ExitException.refused(
          "The selected rows reach kept tables: "
              + touched.stream()
                  .map(RowClosure.Reached::pathDisplay)
                  .collect(Collectors.joining("; "))
              + ". Nothing was changed: narrow the --where condition, or take the table out of"
              + " --keep if its rows may go.");
    }
  }
}

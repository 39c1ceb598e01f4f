package io.proddatareset.plan;

import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.ForeignKeyGraph;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.pg.LockHolders;
import io.proddatareset.pg.OneAtATime;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.SqlState;
import io.proddatareset.pg.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Computes a {@link ResetPlan}: reads the catalog, applies the policy, counts rows, checks hazards.
 * It never writes.
 *
 * <p><b>Transactions.</b> With auto-commit on (a fresh connection), the plan is computed in its own
 * {@code REPEATABLE READ, READ ONLY} transaction with {@code lock_timeout} set to {@link
 * PlanOptions#lockTimeout()}, which ends before returning, and the connection is left as it was.
 * With auto-commit off, everything runs in the caller's open transaction, which is neither
 * committed nor rolled back, and the caller's settings apply.
 *
 * <p><b>Locks.</b> Reading sizes and counting rows takes {@code ACCESS SHARE} locks on the tables
 * until the transaction ends; these only conflict with {@code ACCESS EXCLUSIVE}. In its own
 * transaction, a wait longer than the lock timeout fails with a message naming the sessions that
 * hold such locks.
 */
public final class PlanService {
  private PlanService() {}

  /**
   * The plan for {@code policy} on the database of {@code connection} (see the class comment for
   * its transaction).
   *
   * @throws io.proddatareset.ExitException USAGE for a name that matches nothing (with a
   *     suggestion), FAILURE when a lock wait times out; hazards are not exceptions but part of the
   *     plan
   */
  public static ResetPlan plan(Connection connection, Policy policy, PlanOptions options)
      throws SQLException {
    if (!connection.getAutoCommit()) {
      return compute(connection, policy, options);
    }
    try {
      if (policy.selects()) {
        return SubsetPlanner.plan(connection, policy, options);
      }
      return Transactions.readOnlySnapshot(
          connection,
          c -> {
            SessionSettings.pin(c, "lock_timeout", SessionSettings.millis(options.lockTimeout()));
            return compute(c, policy, options);
          });
    } catch (SQLException e) {
      if (SqlState.isLockTimeout(e)) {
        throw lockTimeout(connection, e, options.lockTimeout());
      }
      throw e;
    }
  }

  /**
   * Opens a connection to {@code target}, computes the plan in a read-only transaction (see above),
   * and closes the connection. Database errors become one-line {@link ExitException}s (FAILURE)
   * without secrets.
   */
  public static ResetPlan plan(ConnectionTarget target, Policy policy, PlanOptions options) {
    Connector connector = new Connector(target);
    try (Connection connection = connector.open()) {
      return plan(connection, policy, options);
    } catch (SQLException e) {
      throw ExitException.failure(
          "Reading the plan from " + target.display() + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * What a row reset checks before it locks anything when it computes its plan under its locks
   * ({@link #lockedSubsetPlan}): the names of the policy resolved and every condition checked by
   * the server, in read-only transactions on a connection of its own (see {@link
   * SubsetPlanner#checkSelection}).
   *
   * @throws ExitException USAGE for a name that matches nothing (with a suggestion) or a condition
   *     the server refuses (its message); FAILURE when the database cannot be read
   */
  public static void checkSelection(ConnectionTarget target, Policy policy) {
    if (!policy.selects()) {
      throw new IllegalArgumentException("no --where selection to check");
    }
    try (Connection connection = new Connector(target).open()) {
      SubsetPlanner.checkSelection(connection, policy);
    } catch (SQLException e) {
      throw ExitException.failure(
          "Reading the plan from " + target.display() + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * The plan from a catalog already read, counting rows on {@code connection} (in its current
   * transaction) unless {@link PlanOptions#estimateRows()}.
   *
   * <p>With {@link Policy#selects()} (a {@code --where}), the closure is computed in the caller's
   * open transaction with {@link RowClosure#fill}, which leaves its key set there; see {@link
   * SubsetPlanner#inTransaction} for what the caller must have done first.
   */
  public static ResetPlan planFromCatalog(
      Connection connection, Catalog catalog, Policy policy, PlanOptions options)
      throws SQLException {
    if (policy.selects()) {
      return SubsetPlanner.inTransaction(connection, catalog, policy, options, null);
    }
    return planFromCatalog(
        connection, catalog, policy, Classifier.classify(catalog, policy), options);
  }

  /**
   * The subset plan of {@code policy} (it selects rows) from a catalog already read, in the row
   * reset's open transaction, with estimated counts of the tables it does not reach: its closure
   * locks its rows as it finds them, through {@code locking} (see {@link RowClosure.Locking}), and
   * leaves its key set in the transaction.
   */
  public static ResetPlan lockedSubsetPlan(
      Connection connection, Catalog catalog, Policy policy, RowClosure.Locking locking)
      throws SQLException {
    if (!policy.selects()) {
      throw new IllegalArgumentException("a subset plan needs a --where selection");
    }
    return SubsetPlanner.inTransaction(
        connection, catalog, policy, PlanOptions.estimates(), locking);
  }

  /** The whole-table plan for {@code classification}. */
  static ResetPlan planFromCatalog(
      Connection connection,
      Catalog catalog,
      Policy policy,
      Classification classification,
      PlanOptions options)
      throws SQLException {
    boolean estimateRows = options.estimateRows();
    Map<TableName, Long> counts =
        estimateRows ? Map.of() : RowCounter.count(connection, catalog.tables());
    List<PlannedTable> tables = new ArrayList<>();
    for (Table t : catalog.tables()) {
      Classification.Decision d = classification.decisions().get(t.name());
      long rows = estimateRows ? t.estimatedRows() : counts.getOrDefault(t.name(), -1L);
      tables.add(
          new PlannedTable(t.name(), d.action(), d.reason(), rows, !estimateRows, t.sizeBytes()));
    }
    TruncationOrder order =
        TruncationOrder.leafFirst(
            ForeignKeyGraph.of(catalog).restrictTo(classification.tables(Action.RESET)));
    HazardCheck.Findings findings = HazardCheck.check(catalog, policy, classification);
    List<PlanWarning> warnings = new ArrayList<>(findings.warnings());
    if (estimateRows) {
      warnings.add(
          new PlanWarning(
              PlanWarning.Code.ESTIMATED_ROWS,
              "Row counts are the planner's estimates (--estimate), not exact counts.",
              List.of()));
    }
    // a look only: the reset itself claims the database, and refuses while another one does
    OneAtATime.heldBy(connection)
        .ifPresent(
            holder ->
                warnings.add(
                    new PlanWarning(
                        PlanWarning.Code.ANOTHER_RESET_RUNNING,
                        "Another reset or restore is running on this database ("
                            + holder
                            + "): a reset now would be refused; wait until it has finished.",
                        List.of())));
    return new ResetPlan(
        catalog,
        policy,
        tables,
        order,
        findings.hazards(),
        warnings,
        !estimateRows,
        PlanId.of(catalog, classification),
        truncateBlockers(connection, order.tables()),
        null);
  }

  /**
   * The sessions holding locks on {@code reset} tables that the TRUNCATE's {@code ACCESS EXCLUSIVE}
   * lock would wait for, whose transaction has been open for a second or more or is idle: those
   * that are not about to let go (a session's own short statement is).
   */
  private static List<LockHolders.Holder> truncateBlockers(
      Connection connection, List<TableName> reset) throws SQLException {
    if (reset.isEmpty()) {
      return List.of();
    }
    return LockHolders.holding(
            connection,
            reset.stream().map(TableName::sql).toList(),
            LockAttempts.Mode.ACCESS_EXCLUSIVE.conflictingLockNames(),
            0)
        .stream()
        .filter(
            h ->
                h.session().idleInTransaction()
                    || h.session().transactionSeconds() != null
                        && h.session().transactionSeconds() >= 1)
        .toList();
  }

  private static ResetPlan compute(Connection connection, Policy policy, PlanOptions options)
      throws SQLException {
    Catalog catalog = CatalogReader.read(connection, policy.schemas());
    return planFromCatalog(connection, catalog, policy, options);
  }

  static ExitException lockTimeout(
      Connection connection, SQLException cause, Duration lockTimeout) {
    List<String> holders = new ArrayList<>();
    try {
      LockHolders.holdingAccessExclusive(connection).forEach(l -> holders.add(l.describe()));
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
    return ExitException.failure(
        "Timed out after "
            + Durations.limit(lockTimeout)
            + " waiting for a table lock"
            + (holders.isEmpty() ? "" : " held by " + String.join(", ", holders))
            + ": nothing was changed; retry when that work has finished.",
        cause);
  }
}

package io.proddatareset.reset;

import io.proddatareset.Counts;
import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.pg.OneAtATime;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.SqlState;
import io.proddatareset.pg.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The reset's strong statements, its table locks and the TRUNCATE, with their timeouts and
 * messages. Every lock is taken in short attempts ({@link LockAttempts}), so the app never queues
 * behind the reset for longer than one attempt at a time.
 */
final class ResetStatements {
  private final ResetOptions options;
  private final LockAttempts.Tuning tuning;

  ResetStatements(ResetOptions options) {
    this(options, LockAttempts.Tuning.DEFAULT);
  }

  ResetStatements(ResetOptions options, LockAttempts.Tuning tuning) {
    this.options = options;
    this.tuning = tuning;
  }

  /**
   * Locks the reset tables, then the kept tables, in {@code SHARE} mode (readers go on, writers
   * wait) in the transaction open on {@code conn}, in short attempts ({@link LockAttempts}) within
   * {@code --lock-timeout}: a writer queues behind the reset for at most one attempt. None of the
   * statements takes a snapshot. The lock timeout names the sessions a second connection from
   * {@code connections} saw holding conflicting locks.
   *
   * @param pid the backend pid of {@code conn}
   * @throws ExitException FAILURE when the attempts give up; nothing was changed
   */
  LockAttempts.Taken lockAgainstWriters(
      Connection conn,
      Supplier<Connection> connections,
      int pid,
      List<TableName> reset,
      List<TableName> kept)
      throws SQLException {
    // LOCK on a partitioned table locks its partitions too
    List<TableName> all = new ArrayList<>(reset);
    all.addAll(kept);
    return new LockAttempts(connections, tuning)
        .lock(
            conn,
            pid,
            LockAttempts.Mode.SHARE,
            sqlNames(all),
            "the " + Counts.of(reset.size(), "reset table") + kept(kept),
            options.lockTimeout(),
            "Nothing was changed; retry when those sessions have finished their transactions, or"
                + " raise --lock-timeout.");
  }

  /**
   * Locks the reset tables in {@code ACCESS EXCLUSIVE} mode, for the TRUNCATE, in the transaction
   * open on {@code conn}, in short attempts within {@code --lock-timeout}: every other session's
   * query of these tables, readers included, queues behind a waiting attempt, for at most one
   * attempt.
   *
   * @param pid the backend pid of {@code conn}
   * @throws ExitException FAILURE when the attempts give up; the caller rolls back
   */
  LockAttempts.Taken lockExclusive(
      Connection conn, Supplier<Connection> connections, int pid, List<TableName> reset)
      throws SQLException {
    return new LockAttempts(connections, tuning)
        .lock(
            conn,
            pid,
            LockAttempts.Mode.ACCESS_EXCLUSIVE,
            sqlNames(reset),
            "the " + Counts.of(reset.size(), "reset table"),
            options.lockTimeout(),
            "Rolled back, nothing was changed; retry when those sessions have finished their"
                + " transactions, or raise --lock-timeout.");
  }

  /**
   * The check before any backup is written: that nothing holds the reset tables now in a way that
   * would keep the TRUNCATE's {@code ACCESS EXCLUSIVE} lock from being granted. On a connection of
   * its own from {@code connections} (closed before returning), in a transaction that is rolled
   * back, it takes that lock on the reset tables in the same short attempts within {@code
   * --lock-timeout} and lets go of it at once. A holder that appears after the check is still
   * possible; the reset's own exclusive attempts then give up as this does.
   *
   * <p>Then, in a transaction of its own (so that no lock is held while the other is tried), it
   * checks that no session holds a kept table against the final phase's SHARE lock (an open
   * writer's transaction): both would make the reset give up after its backup was written. {@code
   * opened} is told the check's connection once it is open (for an interrupt to abandon it).
   *
   * @throws ExitException FAILURE when the attempts give up, naming the holders; nothing was
   *     written
   */
  static void checkNothingBlocksTruncate(
      Supplier<Connection> connections,
      Consumer<Connection> opened,
      ResetOptions options,
      List<TableName> reset,
      List<TableName> kept,
      LockAttempts.Tuning tuning)
      throws SQLException {
    if (reset.isEmpty()) {
      return;
    }
    String end =
        "Nothing was changed and no backup was written (this is checked before the"
            + " backup); retry when those sessions have finished their transactions,"
            + " or raise --lock-timeout.";
    try (Connection c = connections.get()) {
      opened.accept(c);
      tryLock(
          c, connections, tuning, LockAttempts.Mode.ACCESS_EXCLUSIVE, reset, "reset", options, end);
      if (!kept.isEmpty()) {
        tryLock(c, connections, tuning, LockAttempts.Mode.SHARE, kept, "kept", options, end);
      }
    }
  }

  /** Takes {@code mode} on {@code tables} in short attempts, in a transaction rolled back. */
  private static void tryLock(
      Connection c,
      Supplier<Connection> connections,
      LockAttempts.Tuning tuning,
      LockAttempts.Mode mode,
      List<TableName> tables,
      String kind,
      ResetOptions options,
      String end)
      throws SQLException {
    Transactions.rolledBack(
        c,
        conn ->
            new LockAttempts(connections, tuning)
                .checkingBetween(ResetStatements::refuseWhileAnotherRuns)
                .lock(
                    conn,
                    // the server's pid, asked inside the transaction (a pooler's key is made up)
                    Connector.serverPid(conn),
                    mode,
                    sqlNames(tables),
                    "the " + Counts.of(tables.size(), kind + " table"),
                    options.lockTimeout(),
                    end));
  }

  /**
   * One {@code TRUNCATE} naming every table, never {@code CASCADE}, under {@code
   * --statement-timeout} (put back to none afterwards).
   *
   * @throws ExitException FAILURE when its exclusive lock or the statement times out; the caller
   *     rolls back
   */
  void truncate(Connection conn, List<TableName> tables) throws SQLException {
    SessionSettings.pin(
        conn, "statement_timeout", SessionSettings.millis(options.statementTimeout()));
    String sql =
        "TRUNCATE TABLE "
            + names(tables)
            + (options.restartIdentity() ? " RESTART IDENTITY" : "")
            + " RESTRICT";
    try (Statement st = conn.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      // the exclusive lock is held by then (lockExclusive); a lock timeout is one the TRUNCATE's
      // own triggers waited for
      String why =
          SqlState.isLockTimeout(e)
              ? "TRUNCATE could not get a lock within "
                  + Durations.limit(options.lockTimeout())
                  + " (other sessions are using the tables it or its triggers need)"
              : SqlState.isQueryCanceled(e)
                  ? "TRUNCATE took longer than the statement timeout of "
                      + Durations.limit(options.statementTimeout())
                  : null;
      if (why == null) {
        throw e;
      }
      throw ExitException.failure(why + ". Rolled back, nothing was changed.", e);
    }
    SessionSettings.pin(conn, "statement_timeout", "0");
  }

  /**
   * Refuses as {@link OneAtATime#claim} does when another reset or restore holds the database: its
   * locks are what the check waits for, and it will have emptied the tables by the time they are
   * free. Only a look, so that it cannot make that other run refuse.
   */
  private static void refuseWhileAnotherRuns(Connection lookup) throws SQLException {
    Optional<String> other = OneAtATime.heldBy(lookup);
    if (other.isPresent()) {
      throw ExitException.refused(
          "Another reset or restore is running on this database ("
              + other.get()
              + "). Nothing was changed: wait until it has finished, then run the reset again.");
    }
  }

  private static String names(List<TableName> tables) {
    return String.join(", ", sqlNames(tables));
  }

  private static List<String> sqlNames(List<TableName> tables) {
    return tables.stream().map(TableName::sql).toList();
  }

  private static String kept(List<TableName> kept) {
    return kept.isEmpty() ? "" : " and " + Counts.of(kept.size(), "kept table");
  }
}

package io.proddatareset.pg;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Supplier;

/**
 * The one place a transaction is begun and ended (after Flyway's {@code TransactionTemplate}): each
 * method sets the connection up, runs the work, ends the transaction on every path and puts the
 * connection's auto-commit and read-only settings back as they were. A failure to end the
 * transaction or to restore a setting after the work failed is added to the work's exception as
 * suppressed; on a connection that was closed meanwhile (an interrupt) nothing is restored.
 *
 * <p>The isolation level is set for the one transaction ({@code SET TRANSACTION ISOLATION LEVEL} as
 * its first statement), never for the session: PgJDBC's {@code setTransactionIsolation} sends
 * {@code SET SESSION CHARACTERISTICS} as a statement of its own, which a transaction-mode pooler
 * (PgBouncer, Supavisor) runs on whichever server connection is free, so the transaction that
 * follows ran in {@code READ COMMITTED} elsewhere while the setting stayed behind for another
 * client of the pool.
 */
public final class Transactions {
  private Transactions() {}

  /** Work on a connection that may throw {@link SQLException}. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * The COMMIT of a read-write transaction failed: when the server answered, it rolled back; when
   * the connection was lost on the way ({@link SqlState#isConnectionLost}), the outcome is unknown.
   * Carries the SQLSTATE and message of its cause.
   */
  public static final class CommitFailed extends SQLException {
    CommitFailed(SQLException cause) {
      super(cause.getMessage(), cause.getSQLState(), cause.getErrorCode(), cause);
    }
  }

  /**
   * Runs {@code work} in a {@code REPEATABLE READ, READ ONLY} transaction of its own on {@code
   * connection} (one snapshot for all its queries), which is rolled back afterwards (there is
   * nothing to keep).
   *
   * @throws IllegalStateException when auto-commit is off: a transaction is already open
   */
  public static <T> T readOnlySnapshot(Connection connection, Work<T> work) throws SQLException {
    requireAutoCommit(connection);
    return run(connection, Connection.TRANSACTION_REPEATABLE_READ, true, false, work);
  }

  /**
   * Opens a connection from {@code connections}, runs {@code work} in {@link #readOnlySnapshot} and
   * closes the connection.
   */
  public static <T> T readOnlySnapshot(Supplier<Connection> connections, Work<T> work)
      throws SQLException {
    try (Connection connection = connections.get()) {
      return readOnlySnapshot(connection, work);
    }
  }

  /**
   * Runs {@code work} in the caller's open transaction when auto-commit is off (neither committed
   * nor rolled back, the caller's settings apply); otherwise in a {@link #readOnlySnapshot}.
   */
  public static <T> T inCallersOrReadOnlySnapshot(Connection connection, Work<T> work)
      throws SQLException {
    if (!connection.getAutoCommit()) {
      return work.run(connection);
    }
    return readOnlySnapshot(connection, work);
  }

  /**
   * Runs {@code work} in a read-write transaction of its own at the server's default isolation,
   * commits when it returns and rolls back when it throws.
   *
   * @throws CommitFailed when the COMMIT fails
   * @throws IllegalStateException when auto-commit is off: a transaction is already open
   */
  public static <T> T readWrite(Connection connection, Work<T> work) throws SQLException {
    requireAutoCommit(connection);
    return run(connection, -1, false, true, work);
  }

  /**
   * Like {@link #readWrite}, in {@code REPEATABLE READ}: every query of the work sees the snapshot
   * taken by its first one.
   */
  public static <T> T readWriteSnapshot(Connection connection, Work<T> work) throws SQLException {
    requireAutoCommit(connection);
    return run(connection, Connection.TRANSACTION_REPEATABLE_READ, false, true, work);
  }

  /**
   * Like {@link #readWrite}, in {@code READ COMMITTED} whatever the server's default: each
   * statement sees what was committed before it began (a transaction that locks tables and then
   * reads them sees every row committed before its locks).
   */
  public static <T> T readWriteCommitted(Connection connection, Work<T> work) throws SQLException {
    requireAutoCommit(connection);
    return run(connection, Connection.TRANSACTION_READ_COMMITTED, false, true, work);
  }

  /**
   * Runs {@code work} in a transaction (the server's default isolation, read-write) that is always
   * rolled back: for a look that must leave nothing behind, such as a lock taken only to see
   * whether it can be.
   *
   * @throws IllegalStateException when auto-commit is off: a transaction is already open
   */
  public static <T> T rolledBack(Connection connection, Work<T> work) throws SQLException {
    requireAutoCommit(connection);
    return run(connection, -1, false, false, work);
  }

  /** {@link #rolledBack} on a connection opened from {@code connections}, closed afterwards. */
  public static <T> T rolledBack(Supplier<Connection> connections, Work<T> work)
      throws SQLException {
    try (Connection connection = connections.get()) {
      return rolledBack(connection, work);
    }
  }

  private static void requireAutoCommit(Connection connection) throws SQLException {
    requireAutoCommit(connection, "this transaction template");
  }

  /**
   * Refuses a connection with a transaction open: {@code what} begins and ends a transaction of its
   * own.
   *
   * @throws IllegalStateException when auto-commit is off
   */
  public static void requireAutoCommit(Connection connection, String what) throws SQLException {
    if (!connection.getAutoCommit()) {
      throw new IllegalStateException(
          what + " runs a transaction of its own: pass a connection in auto-commit mode");
    }
  }

  /**
   * Refuses a connection in auto-commit mode: {@code what} runs in its caller's open transaction.
   *
   * @throws IllegalStateException when auto-commit is on
   */
  public static void requireOpen(Connection connection, String what) throws SQLException {
    if (connection.getAutoCommit()) {
      throw new IllegalStateException(
          what + " runs in the caller's open transaction: turn auto-commit off first");
    }
  }

  private static <T> T run(
      Connection c, int isolation, boolean readOnly, boolean commit, Work<T> work)
      throws SQLException {
    boolean readOnlyBefore = c.isReadOnly();
    c.setAutoCommit(false);
    Throwable failure = null;
    try {
      if (readOnly) {
        // PgJDBC begins the transaction with BEGIN READ ONLY (readOnlyMode=transaction)
        c.setReadOnly(true);
      }
      if (isolation == Connection.TRANSACTION_REPEATABLE_READ
          || isolation == Connection.TRANSACTION_READ_COMMITTED) {
        // the first statement of the transaction; SET takes no snapshot, so a caller may still
        // take its locks before the first query
        try (Statement st = c.createStatement()) {
          st.execute(
              "SET TRANSACTION ISOLATION LEVEL "
                  + (isolation == Connection.TRANSACTION_READ_COMMITTED
                      ? "READ COMMITTED"
                      : "REPEATABLE READ"));
        }
      }
      T result = work.run(c);
      if (commit) {
        try {
          c.commit();
        } catch (SQLException e) {
          throw new CommitFailed(e);
        }
      } else {
        c.rollback();
      }
      return result;
    } catch (SQLException | RuntimeException | Error e) {
      failure = e;
      if (!(e instanceof CommitFailed)) {
        rollback(c, e);
      }
      throw e;
    } finally {
      restore(c, readOnly ? readOnlyBefore : null, failure);
    }
  }

  private static void rollback(Connection c, Throwable failure) {
    try {
      if (!c.isClosed()) {
        c.rollback();
      }
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  private static void restore(Connection c, Boolean readOnly, Throwable failure) {
    try {
      if (c.isClosed()) {
        return;
      }
      c.setAutoCommit(true);
      if (readOnly != null) {
        c.setReadOnly(readOnly);
      }
    } catch (SQLException e) {
      // the connection is broken: its next use says so
      if (failure != null) {
        failure.addSuppressed(e);
      }
    }
  }
}

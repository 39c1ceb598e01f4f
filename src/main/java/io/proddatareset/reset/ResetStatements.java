package io.proddatareset.reset;

import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.LockWaitWatcher;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.SqlState;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** The reset's two strong statements, LOCK and TRUNCATE, with their timeouts and messages. */
final class ResetStatements {
  private final ResetOptions options;

  ResetStatements(ResetOptions options) {
    this.options = options;
  }

  /**
   * Locks the reset tables, then the kept tables, in {@code SHARE} mode (readers go on, writers
   * wait) under {@code --lock-timeout}, before the transaction's first query: the settings go in
   * with {@code SET LOCAL}, which takes no snapshot. A lock timeout names the sessions a second
   * connection from {@code connections} saw blocking session {@code pid}.
   *
   * @throws ExitException FAILURE on a lock timeout; nothing was changed
   */
  void lock(
      Connection conn,
      Supplier<Connection> connections,
      int pid,
      List<TableName> reset,
      List<TableName> kept)
      throws SQLException {
    // a long backup must not be cut by the server's own timeouts (a role or database setting);
    // the TRUNCATE gets its own statement_timeout
    SessionSettings.setLocalLongTransaction(conn, options.lockTimeout());
    try (Statement st = conn.createStatement();
        LockWaitWatcher watcher = new LockWaitWatcher(connections, pid)) {
      try {
        // reset tables first; LOCK on a partitioned table locks its partitions too
        st.execute("LOCK TABLE " + names(reset) + " IN SHARE MODE");
        if (!kept.isEmpty()) {
          st.execute("LOCK TABLE " + names(kept) + " IN SHARE MODE");
        }
      } catch (SQLException e) {
        if (SqlState.isLockTimeout(e)) {
          List<String> blockers = watcher.blockers();
          throw ExitException.failure(
              "Could not lock the tables within "
                  + Durations.limit(options.lockTimeout())
                  + (blockers.isEmpty() ? "" : ": blocked by " + String.join(", ", blockers))
                  + ". Nothing was changed; retry when that work has finished, or raise --lock-timeout.",
              e);
        }
        throw e;
      }
    }
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
      String why =
          SqlState.isLockTimeout(e)
              ? "TRUNCATE could not get its exclusive lock within "
                  + Durations.limit(options.lockTimeout())
                  + " (other sessions are reading or writing these tables)"
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

  private static String names(List<TableName> tables) {
    return tables.stream().map(TableName::sql).collect(Collectors.joining(", "));
  }
}

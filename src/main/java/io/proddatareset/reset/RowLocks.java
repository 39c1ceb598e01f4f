package io.proddatareset.reset;

import io.proddatareset.Counts;
import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.pg.LockHolders;
import io.proddatareset.pg.LockWaitWatcher;
import io.proddatareset.pg.SqlState;
import io.proddatareset.plan.RowClosure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Locks the rows of a row closure ({@code FOR UPDATE}) in the reset's {@code READ COMMITTED}
 * transaction as the closure finds them: each statement of {@link RowClosure#fill} that adds rows
 * to the key set locks them too ({@link RowClosure.Locking}), a parent's rows before its children
 * are looked for. The closure is then stable once computed, because the app can neither change nor
 * delete a locked row, nor add a child to a locked parent through a declared key (the insert's key
 * check takes {@code FOR KEY SHARE} on the parent, which waits for {@code FOR UPDATE}); what is
 * left to check is that the conditions still select the same rows, else it is computed again.
 *
 * <p>The row locks are the only locks taken on the tables besides the {@code ROW SHARE} mode that
 * {@code FOR UPDATE} takes on each table, so the app goes on reading and writing every other row.
 * They are taken in short attempts, as {@link LockAttempts} takes table locks: each attempt is a
 * {@code SAVEPOINT}, {@code SET LOCAL lock_timeout} to one attempt, the statement; on a lock
 * timeout or deadlock it rolls back to the savepoint (which lets go of that attempt's row locks and
 * rows), names the sessions holding the rows, pauses and tries again until the budget is spent. A
 * session waiting for one of these rows thus waits one attempt at most.
 *
 * <p>A row the app updated before its lock is locked in its newest version: {@code FOR UPDATE}
 * under {@code READ COMMITTED} re-checks the statement on it (its key must still join), and the key
 * set gets that version's {@code ctid}. Each round is a {@code SAVEPOINT} of its own: a round whose
 * closure is not stable is rolled back to it, which lets go of its row locks and its key set, so
 * that no row the final closure does not hold stays locked (row locks cannot be let go one by one
 * otherwise).
 */
final class RowLocks {
  private static final String SAVEPOINT = "pdr_row_lock_attempt";
  private static final String ROUND = "pdr_row_lock_round";

  /** How many times the closure may change under the locks before the reset gives up. */
  static final int MOST_ROUNDS = 20;

  private RowLocks() {}

  /**
   * The stable closure.
   *
   * @param rounds how many times the closure was computed
   * @param attempts lock attempts made in all
   * @param waited from the first attempt until the last rows were locked
   */
  record Stable(RowClosure.Result closure, int rounds, int attempts, Duration waited) {}

  /**
   * Computes the closure in T with {@link RowClosure#fill}, locking its rows as they are found
   * through {@code locking} (the key set left in T).
   */
  @FunctionalInterface
  interface Fill {
    RowClosure.Result fill(RowClosure.Locking locking) throws SQLException;
  }

  /**
   * Whether the rows {@code closure} selects are still those the selection's conditions select now
   * ({@link RowClosure#selectionUnchanged}).
   */
  @FunctionalInterface
  interface Check {
    boolean unchanged(RowClosure.Result closure) throws SQLException;
  }

  /**
   * Computes the closure and locks its rows until it is stable (see the class comment), in the
   * transaction open on {@code t}. Each row is locked by the statement that adds it to the key set
   * ({@link RowClosure.Locking}), so the computation is also the locking round: the key set holds
   * the rows locked, in the versions locked, and no child can be added to a locked row through a
   * declared key. It is computed again only when the conditions select other rows by then.
   *
   * @param pid the server pid of {@code t}
   * @param lookups opens the second connection that watches who blocks {@code t}
   * @throws ExitException FAILURE when the rows could not be locked within {@code budget} (naming
   *     the sessions holding them; the transaction is usable, nothing changed) or the closure kept
   *     changing for {@value #MOST_ROUNDS} rounds
   */
  static Stable lockUntilStable(
      Connection t,
      int pid,
      Supplier<Connection> lookups,
      Catalog catalog,
      KeyDetails keys,
      Fill fill,
      Check check,
      Duration budget,
      LockAttempts.Tuning tuning)
      throws SQLException {
    long start = System.nanoTime();
    String before;
    try (Statement st = t.createStatement()) {
      before = show(st);
    }
    try (LockWaitWatcher watcher = new LockWaitWatcher(lookups, pid)) {
      Attempts locking =
          new Attempts(t, catalog, keys, tuning, start + budget.toNanos(), budget, before, watcher);
      for (int round = 1; round <= MOST_ROUNDS; round++) {
        try (Statement st = t.createStatement()) {
          st.execute("SAVEPOINT " + ROUND);
        }
        RowClosure.Result closure = fill.fill(locking);
        boolean stable = check.unchanged(closure);
        try (Statement st = t.createStatement()) {
          // not stable: let go of this round's row locks and key set before the next round
          st.execute((stable ? "RELEASE SAVEPOINT " : "ROLLBACK TO SAVEPOINT ") + ROUND);
        }
        if (stable) {
          return new Stable(
              closure, round, locking.attempts, Duration.ofNanos(System.nanoTime() - start));
        }
      }
    }
    throw ExitException.failure(
        "The selected rows kept changing while they were being locked ("
            + MOST_ROUNDS
            + " rounds): the app is changing them right now. Nothing was changed: run the reset"
            + " again when the app has let them be.",
        null);
  }

  /**
   * Runs each locking statement of the closure in short attempts: a {@code SAVEPOINT}, {@code SET
   * LOCAL lock_timeout} to one attempt, the statement; on a lock timeout or deadlock a rollback to
   * the savepoint (letting go of that attempt's row locks and rows), the holders named, a pause,
   * and again until the budget is spent.
   */
  private static final class Attempts implements RowClosure.Locking {
    private final Connection t;
    private final Catalog catalog;
    private final KeyDetails keys;
    private final LockAttempts.Tuning tuning;
    private final long deadline;
    private final Duration budget;
    private final String lockTimeout;
    private final LockWaitWatcher watcher;
    private final Map<Integer, LockHolders.Holder> holders = new LinkedHashMap<>();
    int attempts;

    Attempts(
        Connection t,
        Catalog catalog,
        KeyDetails keys,
        LockAttempts.Tuning tuning,
        long deadline,
        Duration budget,
        String lockTimeout,
        LockWaitWatcher watcher) {
      this.t = t;
      this.catalog = catalog;
      this.keys = keys;
      this.tuning = tuning;
      this.deadline = deadline;
      this.budget = budget;
      this.lockTimeout = lockTimeout;
      this.watcher = watcher;
    }

    @Override
    public long lock(TableName table, String candidates, Work statement) throws SQLException {
      while (true) {
        attempts++;
        long remainingMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        SQLException failed;
        try (Statement st = t.createStatement()) {
          st.execute("SAVEPOINT " + SAVEPOINT);
          st.execute(
              "SET LOCAL lock_timeout = " + Math.min(tuning.attempt().toMillis(), remainingMillis));
          try {
            long out = statement.run();
            st.execute("RELEASE SAVEPOINT " + SAVEPOINT);
            st.execute("SET LOCAL lock_timeout = " + Identifiers.literal(lockTimeout));
            return out;
          } catch (SQLException e) {
            if (!moved(e) && !SqlState.isLockTimeout(e) && !SqlState.isDeadlock(e)) {
              throw e;
            }
            // undoes the attempt's SET LOCAL too
            st.execute("ROLLBACK TO SAVEPOINT " + SAVEPOINT);
            st.execute("RELEASE SAVEPOINT " + SAVEPOINT);
            failed = e;
          }
        }
        holders.putAll(holders(t, catalog, keys, table, candidates));
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left > 0) {
          pause(Math.min(pauseMillis(tuning, attempts), left));
        }
        if (deadline - System.nanoTime() <= 0) {
          throw gaveUp(table, keySetRows(t), budget, attempts, holders, watcher.blockers(), failed);
        }
      }
    }
  }

  /**
   * Whether the app changed rows a statement was to lock before it could: some it looked for were
   * not locked ({@link RowClosure.Locking.Moved}), or one was moved to another partition by an
   * update committed while the statement waited for it (a serialization failure).
   */
  private static boolean moved(SQLException e) {
    return e instanceof RowClosure.Locking.Moved || SqlState.isSerializationFailure(e);
  }

  /** How many rows the key set holds (for a message). */
  private static long keySetRows(Connection t) {
    try (Statement st = t.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM (SELECT DISTINCT toid, tid FROM pg_temp.pdr_closure_rows) d")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      return -1;
    }
  }

  private static String show(Statement st) throws SQLException {
    try (ResultSet rs = st.executeQuery("SHOW lock_timeout")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /**
   * The sessions holding rows of {@code table} that a statement of the closure was to lock (those
   * {@code candidates} selects), by pid: the transaction whose id is in a row's {@code xmax} (the
   * locker or updater) when it is still running. Read on T: the key set is T's own temporary table.
   */
  private static Map<Integer, LockHolders.Holder> holders(
      Connection t, Catalog catalog, KeyDetails keys, TableName table, String candidates) {
    Map<Integer, LockHolders.Holder> out = new LinkedHashMap<>();
    try {
      String sql =
          "SELECT a.pid, a.usename, a.application_name, a.state,"
              + " extract(epoch FROM (now() - a.xact_start))::bigint,"
              + " extract(epoch FROM (now() - a.query_start))::bigint, a.query"
              + " FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
              + " WHERE l.locktype = 'transactionid' AND l.granted AND l.mode = 'ExclusiveLock'"
              + " AND l.pid <> pg_catalog.pg_backend_pid() AND l.transactionid IN (SELECT xmax"
              + " FROM "
              + RowResetStatements.ownRows(catalog, keys, table)
              + " WHERE "
              + candidates
              + " AND xmax <> '0'::xid) ORDER BY a.pid";
      try (PreparedStatement ps = t.prepareStatement(sql);
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int pid = rs.getInt(1);
          long xact = rs.getLong(5);
          Long xactSeconds = rs.wasNull() ? null : xact;
          long q = rs.getLong(6);
          Long querySeconds = rs.wasNull() ? null : q;
          String query = LockHolders.queryStart(rs.getString(7));
          LockHolders.Session s =
              new LockHolders.Session(
                  pid,
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  xactSeconds,
                  query == null ? null : querySeconds,
                  query);
          LockHolders.Holder had = out.get(pid);
          List<String> relations = new ArrayList<>();
          if (had != null) {
            relations.addAll(had.relations());
          }
          if (!relations.contains(table.display())) {
            relations.add(table.display());
          }
          out.put(pid, new LockHolders.Holder(s, relations));
        }
      }
    } catch (SQLException e) {
      // only detail for the message is lost
    }
    return out;
  }

  private static long pauseMillis(LockAttempts.Tuning tuning, int n) {
    long low = tuning.shortestPause().toMillis();
    long high = Math.max(low, tuning.longestPause().toMillis());
    long ceiling = Math.min(high, low + (high - low) * n / 8);
    long floor = Math.max(low / 2, ceiling / 2);
    return ceiling <= floor ? ceiling : ThreadLocalRandom.current().nextLong(floor, ceiling + 1);
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExitException(
          ExitStatus.INTERRUPTED,
          "Interrupted while waiting to lock the selected rows: rolled back, nothing was changed.");
    }
  }

  private static ExitException gaveUp(
      TableName table,
      long rows,
      Duration budget,
      int attempts,
      Map<Integer, LockHolders.Holder> holders,
      List<String> watched,
      SQLException cause) {
    List<String> named = new ArrayList<>();
    holders.values().forEach(h -> named.add(h.describe()));
    for (String w : watched) {
      if (holders.keySet().stream().noneMatch(pid -> w.startsWith("pid " + pid + " "))) {
        named.add(w);
      }
    }
    return ExitException.failure(
        "Could not lock the selected rows of "
            + table.display()
            + " (FOR UPDATE; "
            + Counts.of(rows, "row")
            + " of the selection locked so far) within "
            + Durations.limit(budget)
            + (cause != null && moved(cause) && named.isEmpty()
                ? " ("
                    + Counts.of(attempts, "attempt")
                    + "): the app kept changing them ("
                    + ExitException.firstLine(cause)
                    + ")."
                : LockAttempts.attemptsAndHolders(attempts, "held by", named))
            + " Nothing was changed: wait for that session to finish (or end it), or give a longer"
            + " --lock-timeout, and run the reset again.",
        cause);
  }
}

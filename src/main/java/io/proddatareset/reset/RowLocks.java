package io.proddatareset.reset;

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
 * Locks the rows of a row closure ({@code SELECT ... FOR UPDATE}) in the reset's {@code READ
 * COMMITTED} transaction, and computes the closure again under those locks until it holds no row
 * that is not locked: the closure is then stable, because the app can neither change nor delete a
 * locked row, nor add a child to a locked parent through a declared key (the insert's key check
 * takes {@code FOR KEY SHARE} on the parent, which waits for {@code FOR UPDATE}).
 *
 * <p>The row locks are the only locks taken on the tables besides the {@code ROW SHARE} mode that
 * {@code FOR UPDATE} takes on each table, so the app goes on reading and writing every other row.
 * They are taken in short attempts, as {@link LockAttempts} takes table locks: each attempt is a
 * {@code SAVEPOINT}, {@code SET LOCAL lock_timeout} to one attempt, the {@code FOR UPDATE}
 * statements; on a lock timeout or deadlock it rolls back to the savepoint (which lets go of that
 * attempt's row locks), names the sessions holding the rows, pauses and tries again until the
 * budget is spent. A session waiting for one of these rows thus waits one attempt at most.
 *
 * <p>A row the app updated between the closure and its lock has a new {@code ctid}: {@code FOR
 * UPDATE} under {@code READ COMMITTED} re-checks the condition on the new version, which is not in
 * the key set, and skips it; the next computation finds the new version, and it is locked in the
 * next round. Rows locked in a round and no longer in the closure later stay locked to the end of
 * the transaction (row locks cannot be let go one by one); they are not changed.
 */
final class RowLocks {
  static final String LOCKED = "pg_temp.pdr_row_locks";
  private static final String SAVEPOINT = "pdr_row_lock_attempt";

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

  /** Computes the closure in T with {@link RowClosure#fill} (the key set left in T). */
  @FunctionalInterface
  interface Fill {
    RowClosure.Result fill() throws SQLException;
  }

  /**
   * Whether the key set of {@code closure}, every row of which is locked, is still the closure
   * ({@link RowClosure#unchanged}).
   */
  @FunctionalInterface
  interface Check {
    boolean unchanged(RowClosure.Result closure) throws SQLException;
  }

  /**
   * Computes the closure and locks its rows until it is stable (see the class comment), in the
   * transaction open on {@code t}: after a computation, its rows are locked; once every row of the
   * key set is locked, {@code check} proves that it is still the closure (a cheaper computation
   * again), else it is computed again in full and its new rows locked in turn.
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
    try (Statement st = t.createStatement()) {
      st.execute(
          "CREATE TEMPORARY TABLE IF NOT EXISTS pdr_row_locks (toid oid NOT NULL, tid tid NOT NULL,"
              + " PRIMARY KEY (toid, tid)) ON COMMIT DROP");
      st.execute("TRUNCATE " + LOCKED);
    }
    long start = System.nanoTime();
    long deadline = start + budget.toNanos();
    int attempts = 0;
    Map<Integer, LockHolders.Holder> holders = new LinkedHashMap<>();
    try (LockWaitWatcher watcher = new LockWaitWatcher(lookups, pid)) {
      RowClosure.Result closure = fill.fill();
      int round = 1;
      while (true) {
        long missing = unlocked(t);
        while (missing > 0) {
          attempts++;
          SQLException failed = attempt(t, catalog, keys, closure, tuning, deadline);
          if (failed == null) {
            // a row the app changed before its lock was skipped (its ctid is not the key set's)
            missing = unlocked(t);
            break;
          }
          holders.putAll(holders(t, catalog, keys, closure));
          long left = (deadline - System.nanoTime()) / 1_000_000;
          if (left > 0) {
            pause(Math.min(pauseMillis(tuning, attempts), left));
          }
          if (deadline - System.nanoTime() <= 0) {
            throw gaveUp(closure, budget, attempts, holders, watcher.blockers(), failed);
          }
        }
        if (missing == 0) {
          round++;
          if (check.unchanged(closure)) {
            return new Stable(
                closure, round, attempts, Duration.ofNanos(System.nanoTime() - start));
          }
        }
        if (round >= MOST_ROUNDS) {
          break;
        }
        closure = fill.fill();
        round++;
      }
    }
    throw ExitException.failure(
        "The selected rows kept changing while they were being locked ("
            + MOST_ROUNDS
            + " rounds): the app is changing them right now. Nothing was changed: run the reset"
            + " again when the app has let them be.",
        null);
  }

  /** How many rows of the closure's key set are not locked yet. */
  private static long unlocked(Connection t) throws SQLException {
    try (Statement st = t.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM (SELECT DISTINCT x.toid, x.tid FROM pg_temp.pdr_closure_rows"
                    + " x WHERE NOT EXISTS (SELECT 1 FROM "
                    + LOCKED
                    + " l WHERE l.toid = x.toid AND l.tid = x.tid)) u")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * One attempt: every table's rows of the closure not locked yet, {@code FOR UPDATE}, under a
   * savepoint. Returns null when done, or the lock timeout / deadlock that rolled it back.
   */
  private static SQLException attempt(
      Connection t,
      Catalog catalog,
      KeyDetails keys,
      RowClosure.Result closure,
      LockAttempts.Tuning tuning,
      long deadline)
      throws SQLException {
    long remainingMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
    try (Statement st = t.createStatement()) {
      String before = show(st);
      st.execute("SAVEPOINT " + SAVEPOINT);
      try {
        st.execute(
            "SET LOCAL lock_timeout = " + Math.min(tuning.attempt().toMillis(), remainingMillis));
        for (RowClosure.Reached r : closure.tables()) {
          if (r.deleteRows() + r.updateRows() == 0) {
            continue;
          }
          st.execute(
              "INSERT INTO "
                  + LOCKED
                  + " SELECT r.tableoid, r.ctid FROM "
                  + RowResetStatements.ownRows(catalog, keys, r.table())
                  + " r WHERE "
                  + anyRow(closure, r.table())
                  + " AND NOT EXISTS (SELECT 1 FROM "
                  + LOCKED
                  + " l WHERE l.toid = r.tableoid AND l.tid = r.ctid) FOR UPDATE");
        }
      } catch (SQLException e) {
        if (!SqlState.isLockTimeout(e) && !SqlState.isDeadlock(e)) {
          throw e;
        }
        st.execute("ROLLBACK TO SAVEPOINT " + SAVEPOINT);
        st.execute("RELEASE SAVEPOINT " + SAVEPOINT);
        return e;
      }
      st.execute("RELEASE SAVEPOINT " + SAVEPOINT);
      st.execute("SET LOCAL lock_timeout = " + Identifiers.literal(before));
      return null;
    }
  }

  /** The closure's rows of {@code table}, deleted or updated. */
  static String anyRow(RowClosure.Result closure, TableName table) {
    return "(("
        + closure.rowsCondition(table, true)
        + ") OR ("
        + closure.rowsCondition(table, false)
        + "))";
  }

  private static String show(Statement st) throws SQLException {
    try (ResultSet rs = st.executeQuery("SHOW lock_timeout")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /**
   * The sessions holding rows of the closure, by pid: the transaction whose id is in a row's {@code
   * xmax} (the locker or updater) when it is still running. Read on T: the key set is T's own
   * temporary table.
   */
  private static Map<Integer, LockHolders.Holder> holders(
      Connection t, Catalog catalog, KeyDetails keys, RowClosure.Result closure) {
    Map<Integer, LockHolders.Holder> out = new LinkedHashMap<>();
    try {
      for (RowClosure.Reached r : closure.tables()) {
        if (r.deleteRows() + r.updateRows() == 0) {
          continue;
        }
        String sql =
            "SELECT a.pid, a.usename, a.application_name, a.state,"
                + " extract(epoch FROM (now() - a.xact_start))::bigint,"
                + " extract(epoch FROM (now() - a.query_start))::bigint, a.query"
                + " FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'transactionid' AND l.granted AND l.mode = 'ExclusiveLock'"
                + " AND l.pid <> pg_catalog.pg_backend_pid() AND l.transactionid IN (SELECT xmax"
                + " FROM "
                + RowResetStatements.ownRows(catalog, keys, r.table())
                + " WHERE "
                + anyRow(closure, r.table())
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
            if (!relations.contains(r.table().display())) {
              relations.add(r.table().display());
            }
            out.put(pid, new LockHolders.Holder(s, relations));
          }
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
      RowClosure.Result closure,
      Duration budget,
      int attempts,
      Map<Integer, LockHolders.Holder> holders,
      List<String> watched,
      SQLException cause) {
    long rows = closure.tables().stream().mapToLong(r -> r.deleteRows() + r.updateRows()).sum();
    List<String> named = new ArrayList<>();
    holders.values().forEach(h -> named.add(h.describe()));
    for (String w : watched) {
      if (holders.keySet().stream().noneMatch(pid -> w.startsWith("pid " + pid + " "))) {
        named.add(w);
      }
    }
    return ExitException.failure(
        "Could not lock the "
            + rows
            + " selected rows (FOR UPDATE) within "
            + Durations.limit(budget)
            + " ("
            + attempts
            + (attempts == 1 ? " attempt" : " attempts")
            + (named.isEmpty()
                ? "); the sessions holding them could not be seen (they ended, or this role may not"
                    + " see them)."
                : "): held by " + String.join("; ", named) + ".")
            + " Nothing was changed: wait for that session to finish (or end it), or give a longer"
            + " --lock-timeout, and run the reset again.",
        cause);
  }
}

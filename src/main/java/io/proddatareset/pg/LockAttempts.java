package io.proddatareset.pg;

import io.proddatareset.Counts;
import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import java.sql.Connection;
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
 * Takes a strong table lock in short attempts, so that the sessions that queue behind a waiting
 * lock request (in PostgreSQL a request blocks every later conflicting one) wait at most one
 * attempt: GitLab's {@code with_lock_retries} pattern. Each attempt is {@code SAVEPOINT}, {@code
 * SET LOCAL lock_timeout} to one attempt's length, {@code LOCK TABLE ... IN mode MODE}; on {@code
 * lock_not_available} it rolls back to the savepoint (which lets go of whatever that attempt got),
 * sleeps a jittered pause that grows a little, and tries again until the budget is spent. Between
 * attempts a second connection looks up who holds conflicting locks on those tables, so that giving
 * up can name them.
 *
 * <p>None of these statements takes a snapshot, so a {@code REPEATABLE READ} transaction may lock
 * before its first query. On success the lock is held until the caller's transaction ends and the
 * transaction's {@code lock_timeout} is what it was before.
 */
public final class LockAttempts {
  private static final String SAVEPOINT = "pdr_lock_attempt";

  /** A table lock mode, with the modes it conflicts with (PostgreSQL's table-level lock table). */
  public enum Mode {
    ACCESS_SHARE("AccessShareLock"),
    ROW_SHARE("RowShareLock"),
    ROW_EXCLUSIVE("RowExclusiveLock"),
    SHARE_UPDATE_EXCLUSIVE("ShareUpdateExclusiveLock"),
    SHARE("ShareLock"),
    SHARE_ROW_EXCLUSIVE("ShareRowExclusiveLock"),
    EXCLUSIVE("ExclusiveLock"),
    ACCESS_EXCLUSIVE("AccessExclusiveLock");

    private final String lockName;

    Mode(String lockName) {
      this.lockName = lockName;
    }

    /** As {@code LOCK TABLE} spells it: {@code ACCESS EXCLUSIVE} (the name, words apart). */
    public String sql() {
      return name().replace('_', ' ');
    }

    /** As {@code pg_locks.mode} spells it: {@code AccessExclusiveLock}. */
    public String lockName() {
      return lockName;
    }

    /** True when a lock in this mode and one in {@code other} cannot be held at once. */
    public boolean conflictsWith(Mode other) {
      Mode a = ordinal() <= other.ordinal() ? this : other;
      Mode b = a == this ? other : this;
      return switch (a) {
        case ACCESS_SHARE -> b == ACCESS_EXCLUSIVE;
        case ROW_SHARE -> b.ordinal() >= EXCLUSIVE.ordinal();
        case ROW_EXCLUSIVE -> b.ordinal() >= SHARE.ordinal();
        case SHARE_UPDATE_EXCLUSIVE -> b.ordinal() >= SHARE_UPDATE_EXCLUSIVE.ordinal();
        case SHARE -> b != SHARE;
        case SHARE_ROW_EXCLUSIVE, EXCLUSIVE, ACCESS_EXCLUSIVE -> true;
      };
    }

    /** The {@code pg_locks} names of the modes this one conflicts with. */
    public List<String> conflictingLockNames() {
      List<String> out = new ArrayList<>();
      for (Mode m : values()) {
        if (conflictsWith(m)) {
          out.add(m.lockName);
        }
      }
      return out;
    }
  }

  /**
   * How the attempts are spaced: passed in, so that tests and tuning can change it.
   *
   * @param attempt one attempt's {@code lock_timeout}: the longest a session queued behind it waits
   * @param shortestPause the pause after the first failed attempt, before jitter
   * @param longestPause the longest pause between attempts
   */
  public record Tuning(Duration attempt, Duration shortestPause, Duration longestPause) {
    /** 150 ms attempts, pauses from 50 ms growing to 250 ms. */
    public static final Tuning DEFAULT =
        new Tuning(Duration.ofMillis(150), Duration.ofMillis(50), Duration.ofMillis(250));

    public Tuning {
      if (attempt.toMillis() < 1 || shortestPause.isNegative() || longestPause.isNegative()) {
        throw new IllegalArgumentException("attempts of 1 ms or more, pauses of 0 or more");
      }
    }

    /** The pause after failed attempt {@code n} (from 1): jittered, growing over a few attempts. */
    Duration pause(int n) {
      long low = shortestPause.toMillis();
      long high = Math.max(low, longestPause.toMillis());
      long ceiling = Math.min(high, low + (high - low) * n / 8);
      long floor = Math.max(low / 2, ceiling / 2);
      return Duration.ofMillis(
          ceiling <= floor ? ceiling : ThreadLocalRandom.current().nextLong(floor, ceiling + 1));
    }
  }

  /**
   * The lock was taken.
   *
   * @param attempts how many attempts it took (1 when it was free)
   * @param waited from the first attempt until the lock was held
   * @param blockers the sessions seen holding conflicting locks before it was taken, by pid
   */
  public record Taken(int attempts, Duration waited, List<LockHolders.Holder> blockers) {
    public Taken {
      blockers = List.copyOf(blockers);
    }
  }

  /** A look between attempts, on the second connection, that may stop them. */
  @FunctionalInterface
  public interface Check {
    /**
     * @throws ExitException to stop the attempts with it (the caller's transaction is usable)
     * @throws SQLException when the look fails: ignored, like a failed lookup of the blockers
     */
    void between(Connection lookup) throws SQLException;
  }

  private final Supplier<Connection> lookups;
  private final Tuning tuning;
  private final Check check;

  /**
   * @param lookups opens the second connection that looks up blockers between attempts (opened on
   *     the first failed attempt, closed before returning); a failure there only loses detail for
   *     the message
   */
  public LockAttempts(Supplier<Connection> lookups, Tuning tuning) {
    this(lookups, tuning, lookup -> {});
  }

  private LockAttempts(Supplier<Connection> lookups, Tuning tuning, Check check) {
    this.lookups = lookups;
    this.tuning = tuning;
    this.check = check;
  }

  /**
   * The same attempts, with {@code check} run on the second connection after each failed attempt
   * (once the blockers are looked up): for a reason to stop that waiting longer cannot cure, such
   * as another reset holding the tables.
   */
  public LockAttempts checkingBetween(Check check) {
    return new LockAttempts(lookups, tuning, check);
  }

  /**
   * Locks {@code tables} (SQL names, in this order, one {@code LOCK TABLE} statement) in {@code
   * mode} in the transaction open on {@code conn}, in attempts until {@code budget} is spent.
   *
   * @param pid the backend pid of {@code conn}: its own locks are never shown as blockers
   * @param what the tables for the message, e.g. {@code the 10 reset tables}
   * @param afterwards the end of the message on giving up: what state things are in, what to do
   * @throws ExitException FAILURE when the budget is spent: "Could not lock WHAT in MODE mode
   *     within 5s (N attempts): blocked by ... AFTERWARDS"; the caller's transaction is as it was
   *     before the call (usable); INTERRUPTED when the thread is interrupted during a pause
   * @throws SQLException for any other error (the caller's transaction is then aborted)
   * @throws IllegalStateException when {@code conn} is in auto-commit mode
   */
  public Taken lock(
      Connection conn,
      int pid,
      Mode mode,
      List<String> tables,
      String what,
      Duration budget,
      String afterwards)
      throws SQLException {
    Transactions.requireOpen(conn, "a lock attempt");
    long start = System.nanoTime();
    if (tables.isEmpty()) {
      return new Taken(0, Duration.ZERO, List.of());
    }
    long deadline = start + budget.toNanos();
    Map<Integer, LockHolders.Holder> seen = new LinkedHashMap<>();
    String lockSql = "LOCK TABLE " + String.join(", ", tables) + " IN " + mode.sql() + " MODE";
    try (Looks looks = new Looks();
        Statement st = conn.createStatement()) {
      String lockTimeoutBefore = show(st, "lock_timeout");
      int attempts = 0;
      while (true) {
        attempts++;
        long remainingMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        st.execute("SAVEPOINT " + SAVEPOINT);
        try {
          st.execute(
              "SET LOCAL lock_timeout = " + Math.min(tuning.attempt().toMillis(), remainingMillis));
          st.execute(lockSql);
        } catch (SQLException e) {
          if (!SqlState.isLockTimeout(e)) {
            throw e;
          }
          st.execute("ROLLBACK TO SAVEPOINT " + SAVEPOINT);
          st.execute("RELEASE SAVEPOINT " + SAVEPOINT);
          looks.look(tables, mode, pid, seen, e);
          long left = (deadline - System.nanoTime()) / 1_000_000;
          if (left <= 0) {
            throw gaveUp(mode, what, budget, attempts, seen, afterwards, e);
          }
          pause(Math.min(tuning.pause(attempts).toMillis(), left), what, afterwards);
          if (deadline - System.nanoTime() <= 0) {
            throw gaveUp(mode, what, budget, attempts, seen, afterwards, e);
          }
          continue;
        }
        st.execute("RELEASE SAVEPOINT " + SAVEPOINT);
        // RELEASE keeps the attempt's SET LOCAL: put the transaction's own value back
        st.execute("SET LOCAL lock_timeout = " + Identifiers.literal(lockTimeoutBefore));
        return new Taken(
            attempts, Duration.ofNanos(System.nanoTime() - start), List.copyOf(seen.values()));
      }
    }
  }

  /**
   * {@code SHOW}: a utility statement, which (unlike {@code current_setting()}) takes no snapshot.
   */
  private static String show(Statement st, String setting) throws SQLException {
    try (ResultSet rs = st.executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /**
   * The second connection, opened at the first look and closed with this: looks up who holds
   * conflicting locks and runs the {@link Check}.
   */
  private final class Looks implements AutoCloseable {
    private Connection connection;

    /** Remembers who holds conflicting locks now, then runs the check (which may stop it all). */
    void look(
        List<String> tables,
        Mode mode,
        int pid,
        Map<Integer, LockHolders.Holder> seen,
        SQLException attempt) {
      try {
        if (connection == null) {
          connection = lookups.get();
        }
        for (LockHolders.Holder h :
            LockHolders.holding(connection, tables, mode.conflictingLockNames(), pid)) {
          seen.put(h.session().pid(), h);
        }
        check.between(connection);
      } catch (ExitException e) {
        throw e;
      } catch (SQLException | RuntimeException e) {
        // only detail for the message is lost; the attempts go on
        attempt.addSuppressed(e);
      }
    }

    @Override
    public void close() {
      if (connection != null) {
        try {
          connection.close();
        } catch (SQLException e) {
          // nothing to do: it only looked
        }
      }
    }
  }

  private static void pause(long millis, String what, String afterwards) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExitException(
          ExitStatus.INTERRUPTED, "Interrupted while waiting to lock " + what + ". " + afterwards);
    }
  }

  private static ExitException gaveUp(
      Mode mode,
      String what,
      Duration budget,
      int attempts,
      Map<Integer, LockHolders.Holder> seen,
      String afterwards,
      SQLException cause) {
    List<String> holders = seen.values().stream().map(LockHolders.Holder::describe).toList();
    return ExitException.failure(
        "Could not lock "
            + what
            + " in "
            + mode.sql()
            + " mode within "
            + Durations.limit(budget)
            + attemptsAndHolders(attempts, "blocked by", holders)
            + " "
            + afterwards,
        cause);
  }

  /**
   * The end of a lock wait's refusal, after its time limit: {@code " (3 attempts): blocked by pid
   * 42 ..."} naming the sessions {@code holders} seen ({@code verb}: "blocked by", "held by"), or
   * saying that they could not be seen.
   */
  public static String attemptsAndHolders(int attempts, String verb, List<String> holders) {
    return " ("
        + Counts.of(attempts, "attempt")
        + (holders.isEmpty()
            ? "); the sessions holding them could not be seen (they ended, or this role may not"
                + " see them)."
            : "): " + verb + " " + String.join("; ", holders) + ".");
  }
}

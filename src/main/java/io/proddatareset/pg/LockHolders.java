package io.proddatareset.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Looks up the sessions that hold or wait for locks, from {@code pg_locks} and {@code
 * pg_stat_activity}. Only session metadata is read, never query text, which could hold secrets.
 * Each lookup is a single read in whatever transaction is open (read-only ones included); it takes
 * no lock, so what it shows may change just after.
 */
public final class LockHolders {
  private LockHolders() {}

  private static final String SESSION_COLUMNS =
      "SELECT a.pid, a.usename, a.application_name, a.state,"
          + " extract(epoch FROM (now() - a.xact_start))::bigint";

  private static final String IN_THIS_DATABASE =
      " l.database = (SELECT oid FROM pg_catalog.pg_database"
          + " WHERE datname = pg_catalog.current_database())";

  private static final String BLOCKING =
      SESSION_COLUMNS
          + " FROM pg_catalog.pg_stat_activity a"
          + " WHERE a.pid = ANY (pg_catalog.pg_blocking_pids(?)) ORDER BY a.pid";

  private static final String ADVISORY =
      SESSION_COLUMNS
          + " FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
          + " WHERE l.locktype = 'advisory' AND l.granted AND"
          + IN_THIS_DATABASE
          + " AND l.classid = ? AND l.objid = ? AND l.objsubid = 2"
          + " AND l.pid <> pg_catalog.pg_backend_pid() LIMIT 1";

  private static final String ACCESS_EXCLUSIVE =
      "SELECT l.pid, l.relation::regclass::text FROM pg_catalog.pg_locks l"
          + " WHERE l.locktype = 'relation' AND l.granted"
          + " AND l.mode = 'AccessExclusiveLock' AND"
          + IN_THIS_DATABASE
          + " AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()"
          + " ORDER BY 1, 2";

  /**
   * A session as {@code pg_stat_activity} shows it.
   *
   * @param user its role, or null when not visible to the current user
   * @param application its application_name, or null
   * @param state active, idle in transaction, ...; or null
   * @param transactionSeconds how long its transaction has been open, or null when none is
   */
  public record Session(
      int pid, String user, String application, String state, Long transactionSeconds) {

    /** e.g. {@code pid 4711 (user app, application 'x', idle in transaction for 12s)}. */
    public String describe() {
      List<String> details = details();
      return details.isEmpty()
          ? "pid " + pid
          : "pid " + pid + " (" + String.join(", ", details) + ")";
    }

    /** e.g. {@code pid 4711, user app, application 'x', active for 3s}, for inside parentheses. */
    public String describeInline() {
      List<String> parts = new ArrayList<>();
      parts.add("pid " + pid);
      parts.addAll(details());
      return String.join(", ", parts);
    }

    private List<String> details() {
      List<String> details = new ArrayList<>();
      if (user != null) {
        details.add("user " + user);
      }
      if (application != null && !application.isEmpty()) {
        details.add("application '" + application + "'");
      }
      if (state != null) {
        details.add(state + (transactionSeconds == null ? "" : " for " + transactionSeconds + "s"));
      }
      return details;
    }
  }

  /** A relation lock another session holds: {@code pid 4711 on public.users}. */
  public record RelationLock(int pid, String relation) {
    public String describe() {
      return "pid " + pid + " on " + relation;
    }
  }

  /** The sessions that block the session {@code waitingPid} now ({@code pg_blocking_pids}). */
  public static List<Session> blocking(Connection conn, int waitingPid) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(BLOCKING)) {
      return blocking(ps, waitingPid);
    }
  }

  /**
   * {@link #blocking} with a statement prepared by {@link #prepareBlocking}, for repeated looks.
   */
  static List<Session> blocking(PreparedStatement prepared, int waitingPid) throws SQLException {
    prepared.setInt(1, waitingPid);
    List<Session> out = new ArrayList<>();
    try (ResultSet rs = prepared.executeQuery()) {
      while (rs.next()) {
        out.add(session(rs));
      }
    }
    return out;
  }

  static PreparedStatement prepareBlocking(Connection conn) throws SQLException {
    return conn.prepareStatement(BLOCKING);
  }

  /**
   * The session other than this one holding the transaction-level advisory lock {@code (classid,
   * objid)} (the two-key form) in the current database, if any.
   */
  public static Optional<Session> holdingAdvisory(Connection conn, int classid, int objid)
      throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(ADVISORY)) {
      ps.setInt(1, classid);
      ps.setInt(2, objid);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(session(rs)) : Optional.empty();
      }
    }
  }

  /**
   * The relations of the current database that other sessions hold in {@code ACCESS EXCLUSIVE} mode
   * (what makes a reader wait), by pid and name.
   */
  public static List<RelationLock> holdingAccessExclusive(Connection conn) throws SQLException {
    List<RelationLock> out = new ArrayList<>();
    try (PreparedStatement ps = conn.prepareStatement(ACCESS_EXCLUSIVE);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(new RelationLock(rs.getInt(1), rs.getString(2)));
      }
    }
    return out;
  }

  private static Session session(ResultSet rs) throws SQLException {
    int pid = rs.getInt(1);
    String user = rs.getString(2);
    String app = rs.getString(3);
    String state = rs.getString(4);
    long seconds = rs.getLong(5);
    return new Session(pid, user, app, state, rs.wasNull() ? null : seconds);
  }
}

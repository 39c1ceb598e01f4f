package io.proddatareset.pg;

import java.sql.SQLException;
import java.util.List;

/**
 * The SQLSTATEs the tool tells apart, by name (PostgreSQL's Appendix A), and the questions it asks
 * of an {@link SQLException}. Every SQLSTATE the tool checks is spelled here and nowhere else.
 */
public final class SqlState {
  private SqlState() {}

  /** Class 08: the connection failed or was lost. */
  public static final String CONNECTION_EXCEPTION_CLASS = "08";

  /** 08004: the server rejected the connection (as pgjdbc reports an SSL refusal). */
  public static final String SQLSERVER_REJECTED_ESTABLISHMENT_OF_SQLCONNECTION = "08004";

  /** 25006: a write in a read-only transaction. */
  public static final String READ_ONLY_SQL_TRANSACTION = "25006";

  /** 28000: no pg_hba.conf entry, or another refusal of the role. */
  public static final String INVALID_AUTHORIZATION_SPECIFICATION = "28000";

  /** 28P01: wrong password. */
  public static final String INVALID_PASSWORD = "28P01";

  /** 3D000: the database does not exist. */
  public static final String INVALID_CATALOG_NAME = "3D000";

  /** 40001: a serialization failure (under READ COMMITTED: a row to lock moved partitions). */
  public static final String SERIALIZATION_FAILURE = "40001";

  /** 40P01: the server broke a deadlock by cancelling this statement. */
  public static final String DEADLOCK_DETECTED = "40P01";

  /** 42501: the role lacks a privilege. */
  public static final String INSUFFICIENT_PRIVILEGE = "42501";

  /** 42809: e.g. setval on a relation that is not a sequence. */
  public static final String WRONG_OBJECT_TYPE = "42809";

  /** 42P01: the relation does not exist. */
  public static final String UNDEFINED_TABLE = "42P01";

  /** 55P03: a lock was not granted within {@code lock_timeout} (or NOWAIT). */
  public static final String LOCK_NOT_AVAILABLE = "55P03";

  /** 57014: the statement was cancelled (statement_timeout or a cancel request). */
  public static final String QUERY_CANCELED = "57014";

  /** 57P01: the server is shutting down or terminated this session (pg_terminate_backend). */
  public static final String ADMIN_SHUTDOWN = "57P01";

  /** 57P02: the server crashed. */
  public static final String CRASH_SHUTDOWN = "57P02";

  /** 57P03: the server does not accept connections now (starting up, in recovery). */
  public static final String CANNOT_CONNECT_NOW = "57P03";

  /** The exception's SQLSTATE, or {@code ""} when it has none. */
  public static String of(SQLException e) {
    return e.getSQLState() == null ? "" : e.getSQLState();
  }

  /** True when {@code e} has SQLSTATE {@code state}. */
  public static boolean is(SQLException e, String state) {
    return state.equals(e.getSQLState());
  }

  /** A lock wait ran out of {@code lock_timeout}: 55P03. */
  public static boolean isLockTimeout(SQLException e) {
    return is(e, LOCK_NOT_AVAILABLE);
  }

  /** The statement was cancelled, by {@code statement_timeout} or a cancel request: 57014. */
  public static boolean isQueryCanceled(SQLException e) {
    return is(e, QUERY_CANCELED);
  }

  /** The connection failed or was lost: class 08. */
  public static boolean isConnectionLost(SQLException e) {
    return of(e).startsWith(CONNECTION_EXCEPTION_CLASS);
  }

  /** The server ended the session (terminated, crashed, or not accepting it): 57P01 to 57P03. */
  public static boolean isSessionEnded(SQLException e) {
    String s = of(e);
    return s.equals(ADMIN_SHUTDOWN) || s.equals(CRASH_SHUTDOWN) || s.equals(CANNOT_CONNECT_NOW);
  }

  /** The server broke a deadlock by failing this statement: 40P01. */
  public static boolean isDeadlock(SQLException e) {
    return is(e, DEADLOCK_DETECTED);
  }

  /**
   * A serialization failure: 40001. Under {@code READ COMMITTED} a row lock meets it when the row
   * was moved to another partition by an update committed meanwhile.
   */
  public static boolean isSerializationFailure(SQLException e) {
    return is(e, SERIALIZATION_FAILURE);
  }

  /**
   * The statement failed because of the moment or the surroundings, not its text: the connection
   * (class 08), a rollback the server chose (40: serialization failure, deadlock), resources (53:
   * disk full, out of memory), a lock (55), a cancel or the session's end (57), the system (58,
   * XX).
   */
  public static boolean isCircumstantial(SQLException e) {
    String c = of(e).length() >= 2 ? of(e).substring(0, 2) : "";
    return List.of("08", "40", "53", "55", "57", "58", "XX").contains(c);
  }

  /** The role lacks a privilege: 42501. */
  public static boolean isInsufficientPrivilege(SQLException e) {
    return is(e, INSUFFICIENT_PRIVILEGE);
  }

  /** A write was attempted in a read-only transaction (or on a hot standby): 25006. */
  public static boolean isReadOnlyTransaction(SQLException e) {
    return is(e, READ_ONLY_SQL_TRANSACTION);
  }
}

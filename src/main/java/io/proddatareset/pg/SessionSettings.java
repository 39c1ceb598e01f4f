package io.proddatareset.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;

/**
 * Settings for the current transaction, always applied through bind parameters ({@code
 * set_config($1, $2, true)}), never as SQL text. Values last until the transaction ends.
 *
 * <p>Session settings that change how the server writes values as text (COPY, {@code row::text}): a
 * database or role can set them for its sessions, and PgJDBC sets the time zone to the JVM's.
 * Backups and fingerprints pin the ones they depend on for a while and then put the caller's values
 * back, because the caller's transaction goes on (a reset's TRUNCATE fires the tables' own
 * triggers, which should see the database's settings).
 */
public final class SessionSettings {
  private SessionSettings() {}

  /**
   * What a backup's COPY needs, as pg_dump sets it: no search path (names in reg* columns are
   * written qualified), intervals in the postgres style (in sql_standard a leading minus applies to
   * every field and reads back differently elsewhere), exact floats (a database may round them to
   * 15 digits).
   */
  public static final String[] COPY_TEXT = {
    "search_path", "", "intervalstyle", "postgres", "extra_float_digits", "3"
  };

  /**
   * Sets the settings named in {@code namesAndValues} (name, value, name, value, ...) for the rest
   * of the current transaction and returns their values before, in the same form, ready to be
   * passed back. The connection must be in a transaction.
   */
  public static String[] set(Connection conn, String... namesAndValues) throws SQLException {
    int n = namesAndValues.length / 2;
    String[] before = namesAndValues.clone();
    try (PreparedStatement read =
        conn.prepareStatement(
            "SELECT " + String.join(", ", Collections.nCopies(n, "current_setting(?)")))) {
      for (int i = 0; i < n; i++) {
        read.setString(i + 1, namesAndValues[2 * i]);
      }
      try (ResultSet rs = read.executeQuery()) {
        rs.next();
        for (int i = 0; i < n; i++) {
          before[2 * i + 1] = rs.getString(i + 1);
        }
      }
    }
    pin(conn, namesAndValues);
    return before;
  }

  /**
   * Sets the settings named in {@code namesAndValues} for the rest of the current transaction,
   * without asking what they were: for a connection that has nothing to put back.
   */
  public static void pin(Connection conn, String... namesAndValues) throws SQLException {
    int n = namesAndValues.length / 2;
    try (PreparedStatement set =
        conn.prepareStatement(
            "SELECT " + String.join(", ", Collections.nCopies(n, "set_config(?, ?, true)")))) {
      for (int i = 0; i < n; i++) {
        set.setString(2 * i + 1, namesAndValues[2 * i]);
        set.setString(2 * i + 2, namesAndValues[2 * i + 1]);
      }
      set.executeQuery().close();
    }
  }

  /**
   * The settings of a transaction that may run long and wait for locks (a reset, a backup, a
   * restore): {@code lock_timeout} as given, no {@code statement_timeout} and no {@code
   * idle_in_transaction_session_timeout} (a role's or database's own values must not cut a long
   * backup or restore), followed by {@code more} (name, value, ...), ready for {@link #pin}.
   */
  public static String[] longTransaction(Duration lockTimeout, String... more) {
    String[] base = {
      "lock_timeout",
      millis(lockTimeout),
      "statement_timeout",
      "0",
      "idle_in_transaction_session_timeout",
      "0"
    };
    String[] all = Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  /** Pins {@link #longTransaction} settings for the rest of the current transaction. */
  public static void pinLongTransaction(Connection conn, Duration lockTimeout, String... more)
      throws SQLException {
    pin(conn, longTransaction(lockTimeout, more));
  }

  /**
   * Sets the {@link #longTransaction} settings (without {@code more}) with {@code SET LOCAL}
   * statements, for a {@code REPEATABLE READ} transaction that must take its locks before its
   * snapshot: {@code set_config} is called in a query, and a transaction's first query takes its
   * snapshot, while {@code SET} (like {@code LOCK}) takes none. The values are whole milliseconds,
   * never text.
   */
  public static void setLocalLongTransaction(Connection conn, Duration lockTimeout)
      throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.execute("SET LOCAL lock_timeout = " + lockTimeout.toMillis());
      st.execute("SET LOCAL statement_timeout = 0");
      st.execute("SET LOCAL idle_in_transaction_session_timeout = 0");
    }
  }

  /** A duration as a setting's value in milliseconds, e.g. {@code 1500ms}; {@code 0} disables. */
  public static String millis(Duration d) {
    return d.toMillis() + "ms";
  }
}

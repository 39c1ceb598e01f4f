package io.proddatareset.pg;

import io.proddatareset.ExitException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Lets one reset or restore at a time change a database. Each takes a transaction-level advisory
 * lock ({@code pg_try_advisory_xact_lock}) as the first statement of its transaction: a second one
 * refuses at once, naming the session that holds the lock, instead of queueing behind the first,
 * dying of a deadlock, or backing up tables the first is about to empty.
 *
 * <p>The lock is transaction-level on purpose: it is released by the server at commit or rollback,
 * so it cannot leak if the tool dies, and it holds through a transaction-mode connection pooler
 * (which keeps a transaction on one server connection but not a session). Advisory locks belong to
 * the database they are taken in, so resets of other databases on the same server are not held off.
 */
public final class OneAtATime {
  /**
   * The advisory lock's two keys: 'pdr' and 'rset', so other users of advisory locks don't clash.
   */
  static final int KEY_TOOL = 0x706472;

  static final int KEY_CHANGE = 0x72736574;

  private OneAtATime() {}

  /**
   * Takes the lock in the transaction open on {@code conn} (auto-commit must be off), or refuses.
   *
   * @param operation what the caller is about to do, e.g. {@code reset}, for the message
   * @throws ExitException REFUSED when another session holds the lock; nothing has been changed
   * @throws SQLException when the statement fails (a lost connection, for example)
   */
  public static void claim(Connection conn, String operation) throws SQLException {
    Transactions.requireOpen(conn, "OneAtATime.claim");
    try (PreparedStatement ps =
        conn.prepareStatement("SELECT pg_catalog.pg_try_advisory_xact_lock(?, ?)")) {
      ps.setInt(1, KEY_TOOL);
      ps.setInt(2, KEY_CHANGE);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getBoolean(1)) {
          return;
        }
      }
    }
    throw ExitException.refused(
        "Another reset or restore is running on this database ("
            + heldBy(conn).orElse("it has just ended")
            + "). Nothing was changed: wait until it has finished, then run the "
            + operation
            + " again.");
  }

  /**
   * Who holds the lock in the current database, other than this session, e.g. {@code pid 4711, user
   * app, application 'prod-data-reset', active for 3s}; empty when no other session holds it. Only
   * a look at {@code pg_locks}: the lock is not taken, so it may be taken (or let go) just after.
   * For previews ({@code plan}, {@code restore --dry-run}) that say a reset or restore would be
   * refused now; runs in any transaction, read-only ones included.
   *
   * @throws SQLException when the statement fails (a lost connection, for example)
   */
  /**
   * The refusal a preview lists while another reset or restore holds the database, if one does:
   * {@code another reset or restore is running on this database (...): wait until it has finished}.
   */
  public static Optional<String> refusalWhileHeld(Connection conn) throws SQLException {
    return heldBy(conn)
        .map(
            holder ->
                "another reset or restore is running on this database ("
                    + holder
                    + "): wait until it has finished");
  }

  public static Optional<String> heldBy(Connection conn) throws SQLException {
    return LockHolders.holdingAdvisory(conn, KEY_TOOL, KEY_CHANGE)
        .map(LockHolders.Session::describeInline);
  }
}

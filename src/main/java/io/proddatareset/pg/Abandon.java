package io.proddatareset.pg;

import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.PGConnection;

/** Stopping a session's work from another thread (Ctrl-C), whatever it is doing. */
public final class Abandon {
  private Abandon() {}

  /**
   * Cancels the statement {@code c} runs (so that the server lets go of its locks at once, even in
   * a long statement that would not notice a closed socket) and closes the connection without
   * waiting for it; the server rolls back the open transaction. Best effort: never throws.
   */
  public static void cancelAndClose(Connection c) {
    try {
      c.unwrap(PGConnection.class).cancelQuery();
    } catch (SQLException | RuntimeException e) {
      // closing is what matters
    }
    try {
      c.abort(Runnable::run);
    } catch (SQLException | RuntimeException e) {
      // the server rolls back an abandoned transaction
    }
  }
}

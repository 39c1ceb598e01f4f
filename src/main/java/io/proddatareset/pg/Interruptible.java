package io.proddatareset.pg;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a changing transaction is ({@link ChangeStep}), and its stop from another thread (Ctrl-C).
 * Before the commit, {@link #interrupt} cancels the running statement and closes the connection
 * ({@link Abandon#cancelAndClose}), so that the server rolls back and the worker's next {@link
 * #enter} (or the failed statement) ends the run; once COMMIT is sent it does nothing, so that the
 * commit finishes and the run reports its outcome. Thread-safe.
 */
public final class Interruptible {
  private final Object lock = new Object();
  // guarded by lock
  private ChangeStep step = ChangeStep.LOCKING;
  private ChangeStep interruptedAt;
  private final List<Connection> connections = new ArrayList<>();

  /**
   * A connection that {@link #interrupt} abandons (a run may attach several: its own and the one
   * its backup copies from). When the run was interrupted already, {@code c} is abandoned at once
   * and this throws INTERRUPTED.
   */
  public void attach(Connection c) {
    boolean stopped;
    synchronized (lock) {
      stopped = interruptedAt != null;
      if (!stopped) {
        connections.add(c);
      }
    }
    if (stopped) {
      Abandon.cancelAndClose(c);
      throw interrupted();
    }
  }

  /**
   * Moves to {@code next}, unless an interrupt came: then it throws ExitException INTERRUPTED
   * ("interrupted"), for the run to replace with a message that says what state it left.
   */
  public void enter(ChangeStep next) {
    synchronized (lock) {
      if (interruptedAt != null) {
        throw interrupted();
      }
      step = next;
    }
  }

  /**
   * Stops the run (see the class comment); a second call, or one after COMMIT was sent, is a no-op.
   */
  public void interrupt() {
    List<Connection> abandoned;
    synchronized (lock) {
      if (step.commitSent() || interruptedAt != null) {
        return;
      }
      interruptedAt = step;
      abandoned = List.copyOf(connections);
    }
    abandoned.forEach(Abandon::cancelAndClose);
  }

  /** The step the run is in now (or ended in). */
  public ChangeStep step() {
    synchronized (lock) {
      return step;
    }
  }

  /** The step an interrupt came in, or null when none came. */
  public ChangeStep interruptedAt() {
    synchronized (lock) {
      return interruptedAt;
    }
  }

  private static ExitException interrupted() {
    return new ExitException(ExitStatus.INTERRUPTED, "interrupted");
  }
}

package io.proddatareset.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * While a session waits for locks, asks a second connection every few hundred milliseconds which
 * sessions block it ({@link LockHolders#blocking}), so that a lock timeout can name them. The
 * second connection is opened on a daemon thread and closed by {@link #close}; a failure there only
 * loses detail for an error message, never fails the waiting work.
 */
public final class LockWaitWatcher implements AutoCloseable {
  private final Thread thread;
  private final Map<Integer, String> blockers = new LinkedHashMap<>();
  private volatile boolean stop;

  /** Starts watching the session {@code waitingPid}, on a connection from {@code connections}. */
  public LockWaitWatcher(Supplier<Connection> connections, int waitingPid) {
    thread =
        new Thread(
            () -> {
              try (Connection c = connections.get();
                  PreparedStatement ps = LockHolders.prepareBlocking(c)) {
                while (!stop) {
                  record(LockHolders.blocking(ps, waitingPid));
                  Thread.sleep(200);
                }
              } catch (SQLException | RuntimeException e) {
                // the watcher only adds detail to an error message; the work does not depend on it
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "lock-wait-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  private synchronized void record(List<LockHolders.Session> seen) {
    for (LockHolders.Session s : seen) {
      blockers.put(s.pid(), s.describe());
    }
  }

  /**
   * The sessions seen blocking so far, e.g. {@code pid 4711 (user app, idle in transaction for
   * 12s)}.
   */
  public synchronized List<String> blockers() {
    return List.copyOf(blockers.values());
  }

  /**
   * Stops watching and waits (up to 2 s) for the second connection to be closed: the watcher's
   * pause between two looks is cut short, so that the work it watched does not wait for it.
   */
  @Override
  public void close() {
    stop = true;
    thread.interrupt();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

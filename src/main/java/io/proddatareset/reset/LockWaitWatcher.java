package io.proddatareset.reset;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * While the reset waits for its table locks, asks a second connection every few hundred
 * milliseconds which sessions block it ({@code pg_blocking_pids}), so that a lock timeout can name
 * them. Only session metadata is kept, never query text, which could hold secrets.
 */
final class LockWaitWatcher implements AutoCloseable {
  private static final String SQL =
      "SELECT a.pid, a.usename, a.application_name, a.state,"
          + " extract(epoch FROM (now() - a.xact_start))::bigint"
          + " FROM pg_catalog.pg_stat_activity a"
          + " WHERE a.pid = ANY (pg_catalog.pg_blocking_pids(?)) ORDER BY a.pid";

  private final Thread thread;
  private final Map<Integer, String> blockers = new LinkedHashMap<>();
  private volatile boolean stop;

  LockWaitWatcher(Supplier<Connection> connections, int waitingPid) {
    thread =
        new Thread(
            () -> {
              try (Connection c = connections.get();
                  PreparedStatement ps = c.prepareStatement(SQL)) {
                ps.setInt(1, waitingPid);
                while (!stop) {
                  try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                      record(rs);
                    }
                  }
                  Thread.sleep(200);
                }
              } catch (SQLException | RuntimeException e) {
                // the watcher only adds detail to an error message; the reset does not depend on it
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "lock-wait-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  private synchronized void record(ResultSet rs) throws SQLException {
    int pid = rs.getInt(1);
    String user = rs.getString(2);
    String app = rs.getString(3);
    String state = rs.getString(4);
    long seconds = rs.getLong(5);
    StringBuilder sb = new StringBuilder("pid ").append(pid);
    List<String> details = new ArrayList<>();
    if (user != null) {
      details.add("user " + user);
    }
    if (app != null && !app.isEmpty()) {
      details.add("application '" + app + "'");
    }
    if (state != null) {
      details.add(state + (rs.wasNull() ? "" : " for " + seconds + "s"));
    }
    if (!details.isEmpty()) {
      sb.append(" (").append(String.join(", ", details)).append(')');
    }
    blockers.put(pid, sb.toString());
  }

  /**
   * The sessions seen blocking so far, e.g. {@code pid 4711 (user app, idle in transaction for
   * 12s)}.
   */
  synchronized List<String> blockers() {
    return List.copyOf(blockers.values());
  }

  @Override
  public void close() {
    stop = true;
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package io.proddatareset.backup;

import java.util.concurrent.ThreadFactory;

/** The backup's helper threads: daemons, so that a failed run never keeps the JVM alive. */
final class DaemonThreads {
  private DaemonThreads() {}

  /** Starts {@code task} on a new daemon thread named {@code name}. */
  static Thread start(String name, Runnable task) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Makes daemon threads named {@code name}, for a pool. */
  static ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}

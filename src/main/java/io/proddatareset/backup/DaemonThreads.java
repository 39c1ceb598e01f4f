package io.proddatareset.backup;

import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
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

  /**
   * Waits for {@code task}, which another of the backup's threads completes. An interrupt of the
   * waiting thread ends the wait with an {@link InterruptedIOException} saying {@code interrupted},
   * the thread's interrupt flag set again; the task's own failure is the {@link
   * ExecutionException}.
   */
  static <T> T await(Future<T> task, String interrupted)
      throws InterruptedIOException, ExecutionException {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(interrupted);
    }
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

package io.proddatareset.reset;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.BackupManifest;
import io.proddatareset.backup.BackupOptions;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.BackupResult;
import io.proddatareset.backup.BackupWriter;
import io.proddatareset.backup.SnapshotBackup;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.ResetPlan;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * The reset transaction. Everything happens on one connection, in one {@code REPEATABLE READ}
 * transaction:
 *
 * <ol>
 *   <li>{@code LOCK} the reset tables and the kept tables in {@code SHARE} mode under {@code
 *       lock_timeout}, before the transaction's first query, so that its snapshot sees every row
 *       committed before the locks and no writer can add one after (readers go on);
 *   <li>recompute the plan inside the transaction: a schema change since the user confirmed
 *       (another plan id) or a new hazard refuses;
 *   <li>fingerprint the kept tables (row count and content hash);
 *   <li>write and verify the backup of the reset tables from this snapshot, so it holds exactly the
 *       rows the TRUNCATE removes;
 *   <li>one {@code TRUNCATE} naming every reset table, never {@code CASCADE}, under {@code
 *       lock_timeout} and {@code statement_timeout};
 *   <li>check that every reset table is empty and every kept table's fingerprint is unchanged;
 *   <li>commit.
 * </ol>
 *
 * <p>Any failure before the commit (backup write error, lost connection, timeout, failed check,
 * Ctrl-C) rolls back: the database is as it was and the backup file is removed. The backup is kept
 * whenever the commit may have happened.
 */
public final class ResetService {
  /** Progress of the steps above, for the CLI to show. */
  public interface Listener {
    void step(String description);

    Listener NONE = d -> {};
  }

  private enum State {
    WORKING,
    COMMITTING,
    ABORTED
  }

  private final Connector connector;
  private final ResetOptions options;
  private final Listener listener;
  private final BackupProgress backupProgress;

  private final Object stateLock = new Object();
  private State state = State.WORKING;
  // set once the writer has put a verified backup in place; only then is the file ours to remove
  private volatile BackupResult written;

  public ResetService(
      Connector connector, ResetOptions options, Listener listener, BackupProgress backupProgress) {
    this.connector = connector;
    this.options = options;
    this.listener = listener;
    this.backupProgress = backupProgress;
  }

  /**
   * Runs the reset of {@code confirmed}, the plan the user reviewed and confirmed.
   *
   * @throws ExitException REFUSED when the plan changed or a hazard appeared since; FAILURE when
   *     anything fails before the commit (then nothing was changed); VERIFICATION_FAILED when the
   *     in-transaction check fails (then nothing was changed either)
   */
  public ResetResult run(ResetPlan confirmed) {
    long start = System.nanoTime();
    if (options.backupFile() != null) {
      prepareBackupLocation(options.backupFile());
    }
    Connection conn = connector.open();
    CountDownLatch finished = new CountDownLatch(1);
    Thread interruptHook = new Thread(() -> onInterrupt(conn, finished), "reset-interrupt");
    Runtime.getRuntime().addShutdownHook(interruptHook);
    boolean committed = false;
    try {
      int pid = conn.unwrap(PGConnection.class).getBackendPID();
      conn.setAutoCommit(false);
      conn.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);

      List<TableName> resetTables = confirmed.resetTables();
      List<TableName> keptTables = confirmed.keptTables();
      listener.step(
          "Locking "
              + resetTables.size()
              + " reset and "
              + keptTables.size()
              + " kept tables against writers (SHARE mode, lock_timeout "
              + seconds(options.lockTimeout())
              + ")");
      lockTables(conn, pid, resetTables, keptTables);

      ResetPlan plan = PlanService.plan(conn, confirmed.policy(), false);
      if (!plan.planId().equals(confirmed.planId())) {
        throw ExitException.refused(
            "The schema changed since the plan was shown (plan id "
                + confirmed.planId()
                + " is now "
                + plan.planId()
                + "). Nothing was changed: review the new plan and run again.");
      }
      if (plan.refused()) {
        throw ExitException.refused(
            "A hazard appeared since the plan was shown: "
                + plan.hazards().get(0).message()
                + " Nothing was changed.");
      }
      if (options.restartIdentity()) {
        SharedSequences.refuseRestart(conn, resetTables);
      }

      listener.step(
          "Fingerprinting "
              + keptTables.size()
              + " kept tables ("
              + (options.keptCheck() == TableFingerprint.Mode.HASH
                  ? "row counts and content hashes"
                  : "row counts")
              + ")");
      List<TableFingerprint> keptBefore =
          TableFingerprint.take(conn, keptTables, options.keptCheck());

      BackupResult backup = null;
      if (options.backupFile() != null) {
        listener.step(
            "Backing up the reset tables to " + options.backupFile() + " from the locked snapshot");
        try {
          backup =
              BackupWriter.write(
                  conn,
                  connector::open,
                  SnapshotBackup.loadOrder(plan.catalog(), plan.resetTables()),
                  options.backupFile(),
                  BackupOptions.defaults()
                      .withJobs(options.jobs())
                      .withPlanId(plan.planId())
                      .withTarget(connector.target().display())
                      .withKept(keptEntries(keptBefore))
                      .withGzipLevel(options.gzipLevel())
                      .withProgress(backupProgress));
        } catch (ExitException e) {
          throw new ExitException(
              e.status(), e.getMessage() + " The reset was rolled back: nothing was changed.", e);
        }
        written = backup;
      }

      listener.step("Truncating " + resetTables.size() + " tables in one statement");
      truncate(conn, resetTables);

      listener.step("Checking inside the transaction: reset tables empty, kept tables unchanged");
      VerifyReport check = Verifier.verify(conn, plan.database(), resetTables, keptBefore);
      if (!check.ok()) {
        throw new ExitException(
            ExitStatus.VERIFICATION_FAILED,
            "The check before commit failed ("
                + check.failures().stream()
                    .map(VerifyReport.Check::problem)
                    .collect(Collectors.joining("; "))
                + "); rolled back, nothing was changed.");
      }

      synchronized (stateLock) {
        if (state == State.ABORTED) {
          throw ExitException.failure(
              "Interrupted before the commit; rolled back, nothing was changed.", null);
        }
        state = State.COMMITTING;
      }
      listener.step("Committing");
      try {
        conn.commit();
      } catch (SQLException e) {
        throw new ExitException(
            ExitStatus.FAILURE,
            "The commit failed ("
                + ExitException.firstLine(e)
                + "): the reset may or may not have been applied."
                + (backup != null ? " The backup " + backup.file() + " is kept." : "")
                + " Run prod-data-reset verify to see the state.",
            e);
      }
      committed = true;
      long rows = plan.rowsToReset();
      return new ResetResult(
          plan, backup, resetTables, keptBefore, rows, (System.nanoTime() - start) / 1_000_000);
    } catch (SQLException e) {
      throw describe(e);
    } finally {
      if (!committed) {
        rollbackQuietly(conn);
        if (state != State.COMMITTING && written != null) {
          deleteQuietly();
        }
      }
      closeQuietly(conn);
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(interruptHook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down (Ctrl-C): the hook is running and waits for us
      }
    }
  }

  /**
   * Checks, before anything is locked, that the backup can be written where asked: the file must
   * not exist yet (a device such as /dev/null is left to the writer), and its directory is created
   * when missing.
   *
   * @throws ExitException REFUSED for an existing file, FAILURE for a directory that cannot be
   *     created or written
   */
  public static void prepareBackupLocation(java.nio.file.Path file) {
    java.nio.file.Path absolute = file.toAbsolutePath();
    if (java.nio.file.Files.isRegularFile(absolute) || java.nio.file.Files.isDirectory(absolute)) {
      throw ExitException.refused(
          "The backup file " + file + " already exists; choose a new name. Nothing was changed.");
    }
    if (java.nio.file.Files.exists(absolute)) {
      return;
    }
    java.nio.file.Path dir = absolute.getParent();
    try {
      java.nio.file.Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw ExitException.failure(
          "Cannot create the backup directory "
              + dir
              + " ("
              + e.getMessage()
              + "). Nothing was changed.",
          e);
    }
    if (!java.nio.file.Files.isWritable(dir)) {
      throw ExitException.failure(
          "Cannot write the backup into " + dir + ": permission denied. Nothing was changed.",
          null);
    }
  }

  private void lockTables(Connection conn, int pid, List<TableName> reset, List<TableName> kept)
      throws SQLException {
    try (Statement st = conn.createStatement();
        LockWaitWatcher watcher = new LockWaitWatcher(connector::open, pid)) {
      st.execute("SET LOCAL lock_timeout = " + options.lockTimeout().toMillis());
      // a long backup must not be cut by the server's own timeouts (a role or database setting);
      // the TRUNCATE gets its own statement_timeout below
      st.execute("SET LOCAL statement_timeout = 0");
      st.execute("SET LOCAL idle_in_transaction_session_timeout = 0");
      try {
        // one statement per mode; LOCK on a partitioned table locks its partitions too
        st.execute("LOCK TABLE " + names(reset) + " IN SHARE MODE");
        if (!kept.isEmpty()) {
          st.execute("LOCK TABLE " + names(kept) + " IN SHARE MODE");
        }
      } catch (SQLException e) {
        if ("55P03".equals(e.getSQLState())) {
          List<String> blockers = watcher.blockers();
          throw ExitException.failure(
              "Could not lock the tables within "
                  + seconds(options.lockTimeout())
                  + (blockers.isEmpty() ? "" : ": blocked by " + String.join(", ", blockers))
                  + ". Nothing was changed; retry when that work has finished, or raise --lock-timeout.",
              e);
        }
        throw e;
      }
    }
  }

  private void truncate(Connection conn, List<TableName> tables) throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.execute("SET LOCAL statement_timeout = " + options.statementTimeout().toMillis());
      String sql =
          "TRUNCATE TABLE "
              + names(tables)
              + (options.restartIdentity() ? " RESTART IDENTITY" : "")
              + " RESTRICT";
      try {
        st.execute(sql);
      } catch (SQLException e) {
        if ("55P03".equals(e.getSQLState())) {
          throw ExitException.failure(
              "TRUNCATE could not get its exclusive lock within "
                  + seconds(options.lockTimeout())
                  + " (other sessions are reading or writing these tables). Rolled back, nothing was changed.",
              e);
        }
        if ("57014".equals(e.getSQLState())) {
          throw ExitException.failure(
              "TRUNCATE took longer than the statement timeout of "
                  + seconds(options.statementTimeout())
                  + ". Rolled back, nothing was changed.",
              e);
        }
        throw e;
      }
      st.execute("SET LOCAL statement_timeout = 0");
    }
  }

  private static List<BackupManifest.KeptEntry> keptEntries(List<TableFingerprint> kept) {
    return kept.stream()
        .map(
            f ->
                new BackupManifest.KeptEntry(
                    f.table().display(), f.table().schema(), f.table().name(), f.rows(), f.hash()))
        .toList();
  }

  private static String names(List<TableName> tables) {
    return tables.stream().map(TableName::sql).collect(Collectors.joining(", "));
  }

  private ExitException describe(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (state.startsWith("08")) {
      return ExitException.failure(
          "The connection to the database was lost ("
              + ExitException.firstLine(e)
              + "). The transaction never committed,"
              + " so nothing was changed; the partial backup was removed.",
          e);
    }
    if (state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
      return ExitException.failure(
          "The server ended the session ("
              + ExitException.firstLine(e)
              + "). Nothing was changed; the partial backup was removed.",
          e);
    }
    return ExitException.failure(
        "The reset failed: " + ExitException.firstLine(e) + ". Rolled back, nothing was changed.",
        e);
  }

  /** Ctrl-C: abort the connection (the server rolls back) unless the commit is under way. */
  private void onInterrupt(Connection conn, CountDownLatch finished) {
    synchronized (stateLock) {
      if (state == State.COMMITTING) {
        return;
      }
      state = State.ABORTED;
    }
    try {
      conn.abort(Runnable::run);
    } catch (SQLException e) {
      // closing is all that matters; the server rolls back an abandoned transaction
    }
    try {
      if (!finished.await(10, TimeUnit.SECONDS) && written != null) {
        deleteQuietly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void deleteQuietly() {
    try {
      if (!java.nio.file.Files.isRegularFile(written.file())) {
        return; // never delete a device or anything else that is not our file
      }
      BackupWriter.delete(written.file());
    } catch (IOException e) {
      // reported by the caller's error; nothing more to do
    }
  }

  private static void rollbackQuietly(Connection conn) {
    try {
      if (!conn.isClosed()) {
        conn.rollback();
      }
    } catch (SQLException e) {
      // a lost connection rolls back on the server anyway
    }
  }

  private static void closeQuietly(Connection conn) {
    try {
      conn.close();
    } catch (SQLException e) {
      // nothing to do
    }
  }

  static String seconds(java.time.Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }
}

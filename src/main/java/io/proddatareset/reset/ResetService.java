package io.proddatareset.reset;

import io.proddatareset.Counts;
import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.BackupManifest;
import io.proddatareset.backup.BackupOptions;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.BackupResult;
import io.proddatareset.backup.BackupWriter;
import io.proddatareset.backup.ManifestFile;
import io.proddatareset.backup.SnapshotBackup;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.LockWaitWatcher;
import io.proddatareset.pg.OneAtATime;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.ResetPlan;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
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
 *   <li>claim the database ({@link OneAtATime}): another reset or restore refuses, and this one
 *       refuses when another holds it (a first look before the transaction refuses at once instead
 *       of queueing for the locks behind it);
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
 * <p>When the reset tables are already empty (and no identity restart is asked for), nothing is
 * written or truncated: the result says so ({@link ResetResult#alreadyEmpty}).
 *
 * <p>Any failure before the commit (backup write error, lost connection, timeout, failed check,
 * {@link #interrupt}) rolls back: the database is as it was and the backup file is removed. The
 * backup is kept whenever the commit may have happened.
 */
public final class ResetService {
  /** Progress of the steps above, for the CLI to show. */
  public interface Listener {
    void step(String description);

    Listener NONE = d -> {};
  }

  /** The step a reset is in; {@link #interrupt} and the messages of an interrupted run name it. */
  public enum Step {
    LOCKING("locking the tables"),
    FINGERPRINTING("fingerprinting the kept tables"),
    BACKING_UP("backing up"),
    TRUNCATING("truncating"),
    CHECKING("checking inside the transaction"),
    COMMITTING("committing"),
    COMMITTED("after the commit");

    private final String description;

    Step(String description) {
      this.description = description;
    }

    /** e.g. {@code backing up}, as in "Interrupted while backing up". */
    public String description() {
      return description;
    }

    /** True once COMMIT was sent: from then on the reset may have been applied. */
    public boolean commitSent() {
      return this == COMMITTING || this == COMMITTED;
    }
  }

  private final Connector connector;
  private final ResetOptions options;
  private final Listener listener;
  private final BackupProgress backupProgress;

  private final Object stateLock = new Object();
  // guarded by stateLock
  private Step step = Step.LOCKING;
  private Step interruptedAt;
  private Connection conn;
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
   * @throws ExitException REFUSED when another reset or restore is running, when the plan changed
   *     or a hazard appeared since, or when a check rolled the reset back ({@link RolledBack});
   *     USAGE when the backup cannot go where asked; FAILURE when anything fails before the commit
   *     (then nothing was changed) or the commit itself fails (then the outcome is unknown and
   *     {@link #step} is still COMMITTING: the caller says how to check); INTERRUPTED after {@link
   *     #interrupt} rolled it back (its message says what state it left)
   */
  public ResetResult run(ResetPlan confirmed) {
    try {
      return runTransaction(confirmed);
    } catch (RuntimeException e) {
      ExitException instead = interruptedInstead(e);
      throw instead != null ? instead : e;
    }
  }

  /**
   * Stops the reset from another thread (Ctrl-C): before the commit, cancels the running statement
   * and closes the connection, so that the server rolls back and {@link #run} throws INTERRUPTED
   * once it has cleaned up; once COMMIT is sent, does nothing, so that the commit finishes and
   * {@link #run} reports its outcome.
   */
  public void interrupt() {
    Connection c;
    synchronized (stateLock) {
      if (step.commitSent() || interruptedAt != null) {
        return;
      }
      interruptedAt = step;
      c = conn;
    }
    if (c != null) {
      io.proddatareset.pg.Abandon.cancelAndClose(c);
    }
  }

  /** The step the reset is in now (or ended in). */
  public Step step() {
    synchronized (stateLock) {
      return step;
    }
  }

  /**
   * Refuses at once when another reset or restore holds the database; only a look (the claim is
   * released at once), for commands to refuse before they plan and ask for a confirmation.
   *
   * @throws ExitException REFUSED naming the session that holds it
   */
  public static void refuseIfAnotherIsRunning(Connector connector) {
    try (Connection c = connector.open()) {
      lookForAnother(c);
    } catch (SQLException e) {
      throw ExitException.failure(
          "Could not check for another reset: " + ExitException.firstLine(e) + ".", e);
    }
  }

  private static void lookForAnother(Connection c) throws SQLException {
    c.setAutoCommit(false);
    try {
      OneAtATime.claim(c, "reset");
    } finally {
      c.rollback();
    }
  }

  private ResetResult runTransaction(ResetPlan confirmed) {
    long start = System.nanoTime();
    if (options.backupFile() != null) {
      prepareBackupLocation(options.backupFile());
    }
    Connection opened = connector.open();
    synchronized (stateLock) {
      conn = opened;
    }
    boolean committed = false;
    try {
      enter(Step.LOCKING);
      int pid = opened.unwrap(PGConnection.class).getBackendPID();
      // before the transaction, so that a reset running already is refused at once rather than
      // waited for behind its locks
      lookForAnother(opened);
      opened.setAutoCommit(false);
      opened.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);

      List<TableName> resetTables = confirmed.resetTables();
      List<TableName> keptTables = confirmed.keptTables();
      listener.step(
          "Locking "
              + Counts.of(resetTables.size(), "reset table")
              + " and "
              + Counts.of(keptTables.size(), "kept table")
              + " against writers (SHARE mode, lock_timeout "
              + Durations.limit(options.lockTimeout())
              + ")");
      lockTables(opened, pid, resetTables, keptTables);
      // the transaction's first query, and so its snapshot, comes after the locks: a claim made
      // before them would fix a snapshot that misses rows committed while the locks were awaited
      OneAtATime.claim(opened, "reset");

      ResetPlan plan = PlanService.plan(opened, confirmed.policy(), PlanOptions.exactCounts());
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
        SharedSequences.refuseRestart(opened, resetTables);
      } else if (plan.rowsToReset() == 0
          && Verifier.verify(opened, plan.database(), resetTables, List.of()).ok()) {
        // nothing to back up or remove: leave the tables (and their ON TRUNCATE triggers) alone
        return new ResetResult(
            plan, null, resetTables, List.of(), 0, (System.nanoTime() - start) / 1_000_000, true);
      }

      enter(Step.FINGERPRINTING);
      listener.step(
          "Fingerprinting "
              + Counts.of(keptTables.size(), "kept table")
              + " ("
              + (options.keptCheck() == TableFingerprint.Mode.HASH
                  ? "row counts and content hashes"
                  : "row counts")
              + ")");
      List<TableFingerprint> keptBefore =
          TableFingerprint.take(opened, keptTables, options.keptCheck());

      BackupResult backup = null;
      if (options.backupFile() != null) {
        enter(Step.BACKING_UP);
        listener.step(
            "Backing up the reset tables to " + options.backupFile() + " from the locked snapshot");
        try {
          backup =
              BackupWriter.write(
                  opened,
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
          String message = e.getMessage() + " The reset was rolled back: nothing was changed.";
          // a backup that does not read back as written is a check that rolled back; nothing was
          // committed, so it is never "committed but unproven" (4)
          throw e.status() == ExitStatus.VERIFICATION_FAILED || e.status() == ExitStatus.REFUSED
              ? new RolledBack(message, e)
              : new ExitException(e.status(), message, e);
        }
        written = backup;
      }

      enter(Step.TRUNCATING);
      listener.step("Truncating " + Counts.of(resetTables.size(), "table") + " in one statement");
      truncate(opened, resetTables);

      enter(Step.CHECKING);
      listener.step("Checking inside the transaction: reset tables empty, kept tables unchanged");
      VerifyReport check = Verifier.verify(opened, plan.database(), resetTables, keptBefore);
      if (!check.ok()) {
        throw new RolledBack(
            "The check before commit failed ("
                + check.failures().stream()
                    .map(VerifyReport.Check::problem)
                    .collect(Collectors.joining("; "))
                + "); rolled back, nothing was changed.",
            null);
      }

      enter(Step.COMMITTING);
      listener.step("Committing");
      try {
        opened.commit();
      } catch (SQLException e) {
        throw new ExitException(
            ExitStatus.FAILURE,
            "The commit failed ("
                + ExitException.firstLine(e)
                + "): the reset may or may not have been applied."
                + (backup != null ? " The backup " + backup.file() + " is kept." : ""),
            e);
      }
      committed = true;
      enter(Step.COMMITTED);
      long rows = plan.rowsToReset();
      return new ResetResult(
          plan,
          backup,
          resetTables,
          keptBefore,
          rows,
          (System.nanoTime() - start) / 1_000_000,
          false);
    } catch (SQLException e) {
      throw describe(e);
    } finally {
      if (!committed) {
        rollbackQuietly(opened);
        if (!step().commitSent() && written != null) {
          deleteQuietly();
        }
      }
      closeQuietly(opened);
    }
  }

  /**
   * A check inside the reset's transaction failed after part of the work (the backup's read-back,
   * the check after the TRUNCATE), and the reset rolled back: nothing was changed. REFUSED (3).
   */
  public static final class RolledBack extends ExitException {
    RolledBack(String message, Throwable cause) {
      super(ExitStatus.REFUSED, message, cause);
    }
  }

  /** Moves to {@code next}, unless an interrupt came (then it throws; run() says what it left). */
  private void enter(Step next) {
    synchronized (stateLock) {
      if (interruptedAt != null) {
        throw new ExitException(ExitStatus.INTERRUPTED, "interrupted");
      }
      step = next;
    }
  }

  /**
   * After an interrupt, whatever failed (the cancelled statement, the closed connection) gives way
   * to one line that says what state the reset left; the cleanup in {@link #runTransaction} has run
   * by then.
   */
  private ExitException interruptedInstead(RuntimeException e) {
    Step at;
    synchronized (stateLock) {
      at = interruptedAt;
    }
    if (at == null) {
      return null;
    }
    String backupState = "";
    if (options.backupFile() != null) {
      boolean left = java.nio.file.Files.exists(options.backupFile());
      if (at == Step.LOCKING || at == Step.FINGERPRINTING) {
        backupState = left ? "; the backup " + options.backupFile() + " was left" : "";
      } else if (at == Step.BACKING_UP) {
        backupState =
            left
                ? "; the backup " + options.backupFile() + " could not be removed"
                : "; the partial backup was removed";
      } else {
        backupState =
            left
                ? "; the backup " + options.backupFile() + " could not be removed"
                : "; the backup was removed";
      }
    }
    return new ExitException(
        ExitStatus.INTERRUPTED,
        "Interrupted while "
            + at.description()
            + ": rolled back, nothing was changed"
            + backupState
            + ".",
        e);
  }

  /**
   * Checks, before anything is locked, that the backup can be written where asked: neither the file
   * nor its manifest may exist yet (a device such as /dev/null is left to the writer), and its
   * directory is created when missing.
   *
   * @throws ExitException USAGE for an existing file or manifest, or a directory that cannot be
   *     created or written: another path is the fix
   */
  public static void prepareBackupLocation(java.nio.file.Path file) {
    java.nio.file.Path absolute = file.toAbsolutePath();
    if (java.nio.file.Files.isDirectory(absolute)) {
      throw ExitException.usage(
          "The backup path " + file + " is a directory: give a file name. Nothing was changed.");
    }
    if (java.nio.file.Files.isRegularFile(absolute)) {
      throw ExitException.usage(
          "The backup file " + file + " already exists; choose a new name. Nothing was changed.");
    }
    if (java.nio.file.Files.exists(absolute)) {
      return;
    }
    java.nio.file.Path manifest = ManifestFile.pathFor(absolute);
    if (java.nio.file.Files.exists(manifest)) {
      throw ExitException.usage(
          "The manifest "
              + manifest
              + " of an earlier backup is in the way; choose a new backup name. Nothing was"
              + " changed.");
    }
    java.nio.file.Path dir = absolute.getParent();
    try {
      java.nio.file.Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new ExitException(
          ExitStatus.USAGE,
          "Cannot create the backup directory "
              + dir
              + " ("
              + e.getMessage()
              + "); choose another path. Nothing was changed.",
          e);
    }
    if (!java.nio.file.Files.isWritable(dir)) {
      throw ExitException.usage(
          "Cannot write the backup into "
              + dir
              + ": permission denied; choose another path. Nothing was changed.");
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
                  + Durations.limit(options.lockTimeout())
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
                  + Durations.limit(options.lockTimeout())
                  + " (other sessions are reading or writing these tables). Rolled back, nothing was changed.",
              e);
        }
        if ("57014".equals(e.getSQLState())) {
          throw ExitException.failure(
              "TRUNCATE took longer than the statement timeout of "
                  + Durations.limit(options.statementTimeout())
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
}

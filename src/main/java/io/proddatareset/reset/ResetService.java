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
import io.proddatareset.backup.SnapshotBackup;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.pg.Interruptible;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.pg.OneAtATime;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.SqlState;
import io.proddatareset.pg.Transactions;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.ResetPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;

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

  private final Connector connector;
  private final ResetOptions options;
  private final Listener listener;
  private final BackupProgress backupProgress;

  private final ResetStatements statements;
  private final Interruptible run = new Interruptible();
  // set once the writer has put a verified backup in place; only then is the file ours to remove
  private volatile BackupResult written;

  public ResetService(
      Connector connector, ResetOptions options, Listener listener, BackupProgress backupProgress) {
    this.connector = connector;
    this.options = options;
    this.listener = listener;
    this.backupProgress = backupProgress;
    this.statements = new ResetStatements(options);
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
    run.interrupt();
  }

  /** The step the reset is in now (or ended in). */
  public ChangeStep step() {
    return run.step();
  }

  /**
   * Refuses at once when another reset or restore holds the database; only a look (the claim is
   * released at once), for commands to refuse before they plan and ask for a confirmation.
   *
   * @throws ExitException REFUSED naming the session that holds it
   */
  public static void refuseIfAnotherIsRunning(Connector connector) {
    try {
      Transactions.rolledBack(connector::open, ResetService::lookForAnother);
    } catch (SQLException e) {
      throw ExitException.failure(
          "Could not check for another reset: " + ExitException.firstLine(e) + ".", e);
    }
  }

  /** Claims the database and lets go at once: only a look, in a transaction rolled back. */
  private static Void lookForAnother(Connection c) throws SQLException {
    OneAtATime.claim(c, "reset");
    return null;
  }

  private ResetResult runTransaction(ResetPlan confirmed) {
    long start = System.nanoTime();
    if (options.backupFile() != null) {
      BackupLocation.prepare(options.backupFile());
    }
    Connection opened = connector.open();
    boolean committed = false;
    try {
      run.attach(opened);
      run.enter(ChangeStep.LOCKING);
      // pooler (H3): the server's pid, not PgJDBC's start-up key (PgBouncer makes that one up);
      // asked in auto-commit, so it is the session's through a session-mode pooler only; behind a
      // transaction-mode pooler it must be asked inside the reset's own transaction
      int pid = Connector.serverPid(opened);
      // before the transaction, so that a reset running already is refused at once rather than
      // waited for behind its locks
      Transactions.rolledBack(opened, ResetService::lookForAnother);
      // issue 12 (locks): before any backup, refuse when a session holds a reset table so that
      // the TRUNCATE's exclusive lock could not be had; interruptible like the reset itself
      listener.step(
          "Checking that no session holds the reset tables (short ACCESS EXCLUSIVE attempts)");
      ResetStatements.checkNothingBlocksTruncate(
          connector::open,
          run::attach,
          options,
          confirmed.resetTables(),
          LockAttempts.Tuning.DEFAULT);
      run.attach(opened);
      // end issue 12 (locks)
      ResetResult result =
          Transactions.readWriteSnapshot(opened, c -> inTransaction(c, pid, confirmed, start));
      committed = true;
      run.enter(ChangeStep.COMMITTED);
      return result;
    } catch (AlreadyEmpty e) {
      return e.result;
    } catch (Transactions.CommitFailed e) {
      SQLException cause = (SQLException) e.getCause();
      throw new ExitException(
          ExitStatus.FAILURE,
          "The commit failed ("
              + ExitException.firstLine(cause)
              + "): the reset may or may not have been applied."
              + (written != null ? " The backup " + written.file() + " is kept." : ""),
          cause);
    } catch (SQLException e) {
      throw describe(e);
    } finally {
      if (!committed && !run.step().commitSent() && written != null) {
        deleteQuietly();
      }
      closeQuietly(opened);
    }
  }

  /**
   * Everything between BEGIN and COMMIT (see the class comment), in the reset's {@code REPEATABLE
   * READ} transaction on {@code opened}; the caller commits when it returns.
   */
  private ResetResult inTransaction(Connection opened, int pid, ResetPlan confirmed, long start)
      throws SQLException {
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
    // issue 12 (locks): the settings first (SET LOCAL takes no snapshot), then SHARE attempts
    SessionSettings.setLocalLongTransaction(opened, options.lockTimeout());
    statements.lockAgainstWriters(opened, connector::open, pid, resetTables, keptTables);
    // end issue 12 (locks)
    // the transaction's first query, and so its snapshot, comes after the locks: a claim made
    // before them would fix a snapshot that misses rows committed while the locks were awaited
    OneAtATime.claim(opened, "reset");

    ResetPlan plan = PlanService.plan(opened, confirmed.policy(), PlanOptions.exactCounts());
    refuseIfChanged(confirmed, plan);
    if (options.restartIdentity()) {
      SharedSequences.refuseRestart(opened, resetTables);
    } else if (plan.rowsToReset() == 0
        && Verifier.verify(opened, plan.database(), resetTables, List.of()).ok()) {
      // nothing to back up or remove: leave the tables (and their ON TRUNCATE triggers) alone,
      // and roll back
      throw new AlreadyEmpty(
          new ResetResult(plan, null, resetTables, List.of(), 0, millisSince(start), true));
    }

    run.enter(ChangeStep.FINGERPRINTING);
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
      run.enter(ChangeStep.BACKING_UP);
      listener.step(
          "Backing up the reset tables to " + options.backupFile() + " from the locked snapshot");
      backup = backUp(opened, plan, keptBefore);
      written = backup;
    }

    run.enter(ChangeStep.TRUNCATING);
    listener.step("Truncating " + Counts.of(resetTables.size(), "table") + " in one statement");
    // issue 12 (locks): the exclusive lock in short attempts, then the TRUNCATE
    statements.lockExclusive(opened, connector::open, pid, resetTables);
    statements.truncate(opened, resetTables);
    // end issue 12 (locks)

    run.enter(ChangeStep.CHECKING);
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
    // H2 (issue 12, item 1): what proves rows were written after the commit, read just before it
    ResetMarks marks = ResetMarks.read(opened, resetTables);

    run.enter(ChangeStep.COMMITTING);
    listener.step("Committing");
    return new ResetResult(
        plan,
        backup,
        resetTables,
        keptBefore,
        plan.rowsToReset(),
        millisSince(start),
        false,
        marks);
  }

  /** Ends the transaction by a rollback, with nothing done: the reset tables are already empty. */
  private static final class AlreadyEmpty extends RuntimeException {
    final transient ResetResult result;

    AlreadyEmpty(ResetResult result) {
      super(null, null, false, false);
      this.result = result;
    }
  }

  /**
   * Refuses when the plan recomputed inside the transaction differs from the one the user
   * confirmed: another plan id (the schema changed) or a new hazard.
   */
  private static void refuseIfChanged(ResetPlan confirmed, ResetPlan plan) {
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
  }

  /** Writes and verifies the backup of the reset tables from the transaction's snapshot. */
  private BackupResult backUp(Connection opened, ResetPlan plan, List<TableFingerprint> kept) {
    try {
      return BackupWriter.write(
          opened,
          connector::open,
          SnapshotBackup.loadOrder(plan.catalog(), plan.resetTables()),
          options.backupFile(),
          BackupOptions.defaults()
              .withJobs(options.jobs())
              .withPlanId(plan.planId())
              .withTarget(connector.target().display())
              .withKept(keptEntries(kept))
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
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
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

  /**
   * After an interrupt, whatever failed (the cancelled statement, the closed connection) gives way
   * to one line that says what state the reset left; the cleanup in {@link #runTransaction} has run
   * by then.
   */
  private ExitException interruptedInstead(RuntimeException e) {
    ChangeStep at = run.interruptedAt();
    if (at == null) {
      return null;
    }
    String backupState = "";
    if (options.backupFile() != null) {
      boolean left = Files.exists(options.backupFile());
      if (at == ChangeStep.LOCKING || at == ChangeStep.FINGERPRINTING) {
        backupState = left ? "; the backup " + options.backupFile() + " was left" : "";
      } else if (at == ChangeStep.BACKING_UP) {
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

  private static List<BackupManifest.KeptEntry> keptEntries(List<TableFingerprint> kept) {
    return kept.stream()
        .map(
            f ->
                new BackupManifest.KeptEntry(
                    f.table().display(), f.table().schema(), f.table().name(), f.rows(), f.hash()))
        .toList();
  }

  private ExitException describe(SQLException e) {
    if (SqlState.isConnectionLost(e)) {
      return ExitException.failure(
          "The connection to the database was lost ("
              + ExitException.firstLine(e)
              + "). The transaction never committed,"
              + " so nothing was changed; the partial backup was removed.",
          e);
    }
    if (SqlState.isSessionEnded(e)) {
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
      if (!Files.isRegularFile(written.file())) {
        return; // never delete a device or anything else that is not our file
      }
      BackupWriter.delete(written.file());
    } catch (IOException e) {
      // reported by the caller's error; nothing more to do
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

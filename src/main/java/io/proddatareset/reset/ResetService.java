package io.proddatareset.reset;

import io.proddatareset.Counts;
import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.BackupInProgress;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.BackupResult;
import io.proddatareset.backup.BackupWriter;
import io.proddatareset.backup.SnapshotBackup;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.pg.OneAtATime;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.Transactions;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.ResetPlan;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The reset, in two phases, so that the app's writers wait only for a short final one.
 *
 * <ol>
 *   <li>On the reset's connection T, in a {@code READ COMMITTED} transaction held to the end: the
 *       claim of the database ({@link OneAtATime}: another reset or restore refuses, and this one
 *       refuses when another holds it), and a look at whether anything would block TRUNCATE's
 *       exclusive lock, before anything is written.
 *   <li><b>The copy</b>, on a second connection S in a {@code REPEATABLE READ, READ ONLY}
 *       transaction: the plan again (a schema change since the user confirmed, another plan id, or
 *       a new hazard refuses), then the backup of every reset table from S's snapshot ({@link
 *       BackupWriter#begin}), taking no lock that blocks the app.
 *   <li><b>The final phase</b>, on T: {@code LOCK} the reset and kept tables in {@code SHARE} mode
 *       in short attempts (readers go on, writers wait from here to the commit), the plan's id and
 *       hazards again; classify the rows present now against S ({@link SinceSnapshot}); end S;
 *       append the rows written since S to the backup as further COPY blocks, parents first (a
 *       table that lost or changed rows since S is copied again, whole, under the lock); the
 *       sequences; finish and verify the backup; fingerprint the kept tables; take the exclusive
 *       lock in short attempts; one {@code TRUNCATE} naming every reset table, never {@code
 *       CASCADE}; check that every reset table is empty and every kept table's fingerprint
 *       unchanged; commit.
 * </ol>
 *
 * <p>When the reset tables are empty (and no identity restart is asked for), nothing is written or
 * truncated: the result says so ({@link ResetResult#alreadyEmpty}).
 *
 * <p>Any failure before the commit (backup write error, lost connection, timeout, failed check,
 * {@link #interrupt}) rolls back: the database is as it was and the backup file is removed. The
 * backup is kept whenever the commit may have happened.
 */
public final class ResetService extends RunningReset {
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
  private final ResetBackup backups;

  // set once the writer has put a verified backup in place; only then is the file ours to remove

  public ResetService(
      Connector connector, ResetOptions options, Listener listener, BackupProgress backupProgress) {
    this.connector = connector;
    this.options = options;
    this.listener = listener;
    this.backupProgress = backupProgress;
    this.statements = new ResetStatements(options);
    this.backups = new ResetBackup(connector, options, listener, backupProgress);
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
    return ResetFailures.unlessInterrupted(
        run, options.backupFile(), () -> runTransaction(confirmed));
  }

  /**
   * Refuses at once when another reset or restore holds the database; only a look (the claim is
   * released at once), for commands to refuse before they plan and ask for a confirmation.
   *
   * @throws ExitException REFUSED naming the session that holds it
   */
  public static void refuseIfAnotherIsRunning(Connector connector) {
    try {
      Transactions.rolledBack(connector::open, RunningReset::lookForAnother);
    } catch (SQLException e) {
      throw ExitException.failure(
          "Could not check for another reset: " + ExitException.firstLine(e) + ".", e);
    }
  }

  private ResetResult runTransaction(ResetPlan confirmed) {
    long start = System.nanoTime();
    try {
      return onOwnConnection(
          connector,
          options.backupFile(),
          "reset",
          opened -> {
            // issue 12 (locks): before any backup, refuse when a session holds a reset table so
            // that the TRUNCATE's exclusive lock could not be had; interruptible like the reset
            listener.step(
                "Checking that no session holds the reset tables (short ACCESS EXCLUSIVE"
                    + " attempts)");
            ResetStatements.checkNothingBlocksTruncate(
                connector::open,
                run::attach,
                options,
                confirmed.resetTables(),
                confirmed.keptTables(),
                LockAttempts.Tuning.DEFAULT);
            run.attach(opened);
          },
          c -> inTransaction(c, confirmed, start),
          ResetFailures::describe);
    } catch (AlreadyEmpty e) {
      return e.result;
    }
  }

  /**
   * Everything between BEGIN and COMMIT on T (see the class comment); the caller commits when it
   * returns.
   */
  private ResetResult inTransaction(Connection t, ResetPlan confirmed, long start)
      throws SQLException {
    SessionSettings.setLocalLongTransaction(t, options.lockTimeout());
    OneAtATime.claim(t, "reset");
    // the server's pid, not PgJDBC's start-up key (a pooler makes that one up), asked inside the
    // transaction: behind a transaction-mode pooler the transaction keeps one server session
    int pid = Connector.serverPid(t);
    if (options.backupFile() == null) {
      return finalPhase(t, pid, confirmed, start, null);
    }
    Connection s = connector.open();
    try {
      run.attach(s);
      Copied copied =
          Transactions.readOnlySnapshot(s, sc -> copyPhase(sc, t, pid, confirmed, start));
      // S has ended here: its ACCESS SHARE locks, which the TRUNCATE would wait for, are gone
      return finalPhase(t, pid, confirmed, start, copied);
    } finally {
      closeQuietly(s);
    }
  }

  /** What the copy phase leaves for the final phase. */
  private record Copied(
      ResetPlan plan, BackupInProgress backup, List<SinceSnapshot.Change> changes, long lockedAt) {}

  /**
   * On S: the plan, the copy from S's snapshot, and, with S still open, the start of the final
   * phase on T (the locks against writers and the classification, which asks S).
   */
  private Copied copyPhase(Connection s, Connection t, int pid, ResetPlan confirmed, long start)
      throws SQLException {
    SessionSettings.setLocalLongTransaction(s, options.lockTimeout());
    SinceSnapshot.Bounds bounds = SinceSnapshot.bounds(s); // the first query: S's snapshot
    ResetPlan plan = PlanService.plan(s, confirmed.policy(), PlanOptions.exactCounts());
    ResetFailures.refuseIfChanged(confirmed, plan);
    if (options.restartIdentity()) {
      SharedSequences.refuseRestart(s, plan.resetTables());
    }
    List<Table> tables = SnapshotBackup.loadOrder(plan.catalog(), plan.resetTables());
    run.enter(ChangeStep.BACKING_UP);
    listener.step(
        "Backing up the reset tables to "
            + options.backupFile()
            + " from a snapshot, while the app goes on writing");
    BackupInProgress backup = backups.begin(s, plan, tables);
    boolean handedOver = false;
    try {
      Map<TableName, Set<String>> seen = SinceSnapshot.seenInBetween(s, bounds, tables);
      long lockedAt = lockAgainstWriters(t, pid, confirmed, PlanOptions.estimates()).at();
      List<SinceSnapshot.Change> changes = SinceSnapshot.classify(t, bounds, seen, tables);
      handedOver = true;
      return new Copied(plan, backup, changes, lockedAt);
    } finally {
      if (!handedOver) {
        backup.close();
      }
    }
  }

  /** The locks against writers taken (when, in nanos) and the plan read under them. */
  private record Locked(long at, ResetPlan plan) {}

  /**
   * Locks the reset and kept tables against writers on T, and computes the plan again under the
   * locks with {@code counting} (after a copy: the planner's estimates, no scan while writers
   * wait), refusing when its id or hazards differ from the confirmed plan's.
   */
  private Locked lockAgainstWriters(
      Connection t, int pid, ResetPlan confirmed, PlanOptions counting) throws SQLException {
    List<TableName> resetTables = confirmed.resetTables();
    List<TableName> keptTables = confirmed.keptTables();
    run.enter(ChangeStep.LOCKING);
    listener.step(
        "Locking "
            + Counts.of(resetTables.size(), "reset table")
            + " and "
            + Counts.of(keptTables.size(), "kept table")
            + " against writers for the final phase (SHARE mode, short attempts within "
            + Durations.limit(options.lockTimeout())
            + ")");
    statements.lockAgainstWriters(t, connector::open, pid, resetTables, keptTables);
    long lockedAt = System.nanoTime();
    ResetPlan plan = PlanService.plan(t, confirmed.policy(), counting);
    ResetFailures.refuseIfChanged(confirmed, plan);
    return new Locked(lockedAt, plan);
  }

  /**
   * On T, writers locked out: the rest of the backup (rows written since S, sequences, the check),
   * the kept tables' fingerprints, the TRUNCATE and the check before the commit. Without a backup
   * ({@code copied} null) the locks and the plan come first here.
   */
  private ResetResult finalPhase(
      Connection t, int pid, ResetPlan confirmed, long start, Copied copied) throws SQLException {
    List<TableName> resetTables = confirmed.resetTables();
    List<TableName> keptTables = confirmed.keptTables();
    ResetPlan plan;
    long lockedAt;
    BackupInProgress backup = null;
    try {
      if (copied == null) {
        Locked locked = lockAgainstWriters(t, pid, confirmed, PlanOptions.exactCounts());
        lockedAt = locked.at();
        plan = locked.plan();
        if (options.restartIdentity()) {
          SharedSequences.refuseRestart(t, resetTables);
        }
      } else {
        plan = copied.plan();
        lockedAt = copied.lockedAt();
        backup = backups.complete(t, plan, copied.backup(), copied.changes());
      }
      long rows =
          backup == null ? plan.rowsToReset() : ResetBackup.rowsIn(backup, copied.changes());
      if (rows == 0
          && !options.restartIdentity()
          && Verifier.verify(t, plan.database(), resetTables, List.of()).ok()) {
        // nothing to back up or remove: leave the tables (and their ON TRUNCATE triggers) alone,
        // and roll back
        throw new AlreadyEmpty(
            new ResetResult(
                plan, null, resetTables, List.of(), 0, millisSince(start), true, null, 0));
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
      List<TableFingerprint> keptBefore = TableFingerprint.take(t, keptTables, options.keptCheck());

      BackupResult verified = null;
      if (backup != null) {
        run.enter(ChangeStep.BACKING_UP);
        listener.step("Verifying the backup");
        try {
          verified = backup.finish(t, ResetFailures.keptEntries(keptBefore));
        } catch (ExitException e) {
          throw ResetFailures.rolledBackInstead(e);
        }
        written = verified;
        backup = null;
      }

      run.enter(ChangeStep.TRUNCATING);
      listener.step("Truncating " + Counts.of(resetTables.size(), "table") + " in one statement");
      // the exclusive lock in short attempts (readers queue for one attempt at most), then the
      // TRUNCATE; writers stay locked out across the attempts (SHARE held)
      statements.lockExclusive(t, connector::open, pid, resetTables);
      statements.truncate(t, resetTables);

      run.enter(ChangeStep.CHECKING);
      listener.step("Checking inside the transaction: reset tables empty, kept tables unchanged");
      VerifyReport check = Verifier.verify(t, plan.database(), resetTables, keptBefore);
      if (!check.ok()) {
        throw new RolledBack(
            "The check before commit failed ("
                + check.failures().stream()
                    .map(VerifyReport.Check::problem)
                    .collect(Collectors.joining("; "))
                + "); rolled back, nothing was changed.",
            null);
      }

      // what proves rows were written after the commit, read just before it
      ResetMarks marks = ResetMarks.read(t, resetTables);

      run.enter(ChangeStep.COMMITTING);
      listener.step("Committing");
      return new ResetResult(
          plan,
          verified,
          resetTables,
          keptBefore,
          verified != null ? verified.manifest().totalRows() : plan.rowsToReset(),
          millisSince(start),
          false,
          marks,
          millisSince(lockedAt));
    } finally {
      if (backup != null) {
        backup.close();
      }
    }
  }

  /** Ends the transaction by a rollback, with nothing done: the reset tables are already empty. */
  private static final class AlreadyEmpty extends RuntimeException {
    final transient ResetResult result;

    AlreadyEmpty(ResetResult result) {
      super(null, null, false, false);
      this.result = result;
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
}

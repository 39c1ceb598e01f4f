package io.proddatareset.reset;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.BackupManifest;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.pg.Interruptible;
import io.proddatareset.pg.SqlState;
import io.proddatareset.plan.ResetPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;

/**
 * How the reset tells what went wrong before its commit, each in one line that says what state it
 * left: a plan that changed since the user confirmed, a backup that failed, an interrupt, a failed
 * statement or a lost connection.
 */
final class ResetFailures {
  private ResetFailures() {}

  /**
   * Refuses when the plan recomputed inside the transaction differs from the one the user
   * confirmed: another plan id (the schema changed) or a new hazard.
   */
  static void refuseIfChanged(ResetPlan confirmed, ResetPlan plan) {
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

  /**
   * A backup failure, told as the reset's: nothing was changed. A backup that does not read back as
   * written is a check that rolled back; nothing was committed, so it is never "committed but
   * unproven" (4).
   */
  static ExitException rolledBackInstead(ExitException e) {
    String message = e.getMessage() + " The reset was rolled back: nothing was changed.";
    return e.status() == ExitStatus.VERIFICATION_FAILED || e.status() == ExitStatus.REFUSED
        ? new ResetService.RolledBack(message, e)
        : new ExitException(e.status(), message, e);
  }

  /**
   * Runs a reset's {@code work}; when it fails after {@code run} was interrupted, throws the one
   * line of {@link #interruptedInstead} instead of what failed.
   */
  static <T> T unlessInterrupted(
      Interruptible run, Path backupFile, java.util.function.Supplier<T> work) {
    try {
      return work.get();
    } catch (RuntimeException e) {
      ExitException instead = interruptedInstead(run.interruptedAt(), backupFile, e);
      throw instead != null ? instead : e;
    }
  }

  /**
   * After an interrupt, whatever failed (the cancelled statement, the closed connection) gives way
   * to one line that says what state the reset left; the reset's cleanup has run by then.
   */
  static ExitException interruptedInstead(ChangeStep at, Path backupFile, RuntimeException e) {
    if (at == null) {
      return null;
    }
    String backupState = "";
    if (backupFile != null) {
      boolean left = Files.exists(backupFile);
      if (at == ChangeStep.LOCKING || at == ChangeStep.FINGERPRINTING) {
        backupState = left ? "; the backup " + backupFile + " was left" : "";
      } else if (at == ChangeStep.BACKING_UP) {
        backupState =
            left
                ? "; the backup " + backupFile + " could not be removed"
                : "; the partial backup was removed";
      } else {
        backupState =
            left
                ? "; the backup " + backupFile + " could not be removed"
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

  static List<BackupManifest.KeptEntry> keptEntries(List<TableFingerprint> kept) {
    return kept.stream()
        .map(
            f ->
                new BackupManifest.KeptEntry(
                    f.table().display(), f.table().schema(), f.table().name(), f.rows(), f.hash()))
        .toList();
  }

  /** A failure before the commit, in one line that says nothing was changed. */
  static ExitException describe(SQLException e) {
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
}

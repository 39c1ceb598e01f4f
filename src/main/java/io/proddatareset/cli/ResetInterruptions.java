package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.ManifestFile;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.reset.ResetOptions;
import io.proddatareset.reset.ResetService;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * What Ctrl-C at each point of a reset leaves, each in one line, and how the reset command ends an
 * interrupted run through its {@link InterruptGuard}. The steps inside the reset's transaction that
 * roll back are described by {@link ResetService} itself; these are the lines about the commit and
 * what comes after it.
 */
final class ResetInterruptions {
  private ResetInterruptions() {}

  /**
   * Ends an interrupted run with one line saying what state it left, and exit 130; the line of a
   * step the reset itself stopped in comes from {@link ResetService}.
   */
  static int conclude(InterruptGuard guard, AuditTrail audit, RuntimeException e) {
    if (e instanceof ExitException x && x.status() == ExitStatus.INTERRUPTED) {
      return guard.conclude(x.getMessage());
    }
    // the run had ended by itself just as the signal came: its own outcome stands
    if (audit.succeededRecorded()) {
      return guard.conclude(guard.currentLine());
    }
    if (e instanceof ResetService.RolledBack) {
      audit.rolledBack(e);
    } else {
      audit.ended(e);
    }
    return guard.conclude("Interrupted as the reset ended: " + e.getMessage());
  }

  /** What an interrupt leaves while the reset's transaction runs, if the reset cannot say. */
  static String stoppedLine(ResetService service, ConnectionTarget t, ResetOptions o) {
    ResetService.Step step = service.step();
    return switch (step) {
      case COMMITTING ->
          "Interrupted while committing, and the commit has not answered: the outcome is unknown"
              + (o.backupFile() != null ? "; the backup " + o.backupFile() + " is kept" : "")
              + ". To check: "
              + verifyCommand(t, o)
              + ".";
      case COMMITTED -> afterCommitLine(t, o);
      default ->
          "Interrupted while "
              + step.description()
              + ": the transaction was abandoned before its commit (the server rolls it back);"
              + " nothing was changed.";
    };
  }

  static String afterCommitLine(ConnectionTarget t, ResetOptions o) {
    return "Interrupted after the commit: the reset was committed ("
        + (o.backupFile() != null ? "backup " + o.backupFile() : "no backup: --no-backup")
        + "); the check afterwards did not run: run "
        + verifyCommand(t, o)
        + ".";
  }

  /** The commit was sent but did not answer: say that the outcome is unknown and how to check. */
  static ExitException commitUnknown(
      ExitException e, boolean interrupted, ConnectionTarget t, ResetOptions o) {
    return new ExitException(
        interrupted ? ExitStatus.INTERRUPTED : e.status(),
        (interrupted ? "Interrupted while committing: " : "")
            + e.getMessage()
            + " To check: "
            + verifyCommand(t, o)
            + ".",
        e);
  }

  /** The command that checks a reset's outcome: the manifest names the tables and kept hashes. */
  static String verifyCommand(ConnectionTarget t, ResetOptions o) {
    return "prod-data-reset verify --url '"
        + t.display()
        + "'"
        + (o.backupFile() != null
            ? " --manifest " + ManifestFile.pathFor(o.backupFile())
            : " with this run's policy options");
  }

  /** Cancels what {@code c} is running and closes it, from the signal's thread. */
  static void abort(Connection c) {
    try {
      c.unwrap(org.postgresql.PGConnection.class).cancelQuery();
    } catch (SQLException | RuntimeException e) {
      // closing is what matters
    }
    try {
      c.abort(Runnable::run);
    } catch (SQLException | RuntimeException e) {
      // nothing more to do
    }
  }
}

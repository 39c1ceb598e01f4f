package io.proddatareset.reset;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.BackupResult;
import io.proddatareset.backup.BackupWriter;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.pg.Interruptible;
import io.proddatareset.pg.OneAtATime;
import io.proddatareset.pg.Transactions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;

/**
 * A reset in progress, whole tables ({@link ResetService}) or rows ({@link RowReset}): another
 * thread can stop it (Ctrl-C) and read the step it is in, which is all {@link ResetRun} needs. Both
 * kinds keep their connections and step in {@link #run}, and run their transaction on their own
 * connection T the same way ({@link #onOwnConnection}).
 */
abstract class RunningReset {
  /** The reset's connections and its step, for {@link #interrupt} from another thread. */
  final Interruptible run = new Interruptible();

  /** Set once the backup is in place; only then is the file ours to remove. */
  volatile BackupResult written;

  /**
   * Before the commit: cancels the running statement and closes the connection, so that the server
   * rolls back; once COMMIT is sent: nothing, so that the commit finishes. The reset then throws
   * INTERRUPTED once it has cleaned up, or reports the commit's outcome.
   */
  public final void interrupt() {
    run.interrupt();
  }

  /** The step the reset is in now (or ended in). */
  public final ChangeStep step() {
    return run.step();
  }

  /** What runs on T: outside a transaction ({@link Before}), or inside the reset's own. */
  interface Before {
    void run(Connection t) throws SQLException;
  }

  interface Work<R> {
    R run(Connection t) throws SQLException;
  }

  /**
   * The reset's connection T from open to close: the backup's place checked, T opened and attached
   * (step LOCKING), a look for another reset or restore (refused at once rather than waited for
   * behind its locks), {@code before}, then {@code work} in one {@code READ COMMITTED} read-write
   * transaction, committed (step COMMITTED). A failed commit leaves the outcome unknown and the
   * backup kept; any other failure before it is told by {@code describe} and removes the backup
   * written (never once COMMIT was sent).
   *
   * @param what the reset, for the failed commit's message: "reset", "row reset"
   */
  final <R> R onOwnConnection(
      Connector connector,
      Path backupFile,
      String what,
      Before before,
      Work<R> work,
      Function<SQLException, ExitException> describe) {
    if (backupFile != null) {
      BackupLocation.prepare(backupFile);
    }
    Connection opened = connector.open();
    boolean committed = false;
    try {
      run.attach(opened);
      run.enter(ChangeStep.LOCKING);
      Transactions.rolledBack(opened, RunningReset::lookForAnother);
      before.run(opened);
      R result = Transactions.readWriteCommitted(opened, work::run);
      committed = true;
      run.enter(ChangeStep.COMMITTED);
      return result;
    } catch (Transactions.CommitFailed e) {
      SQLException cause = (SQLException) e.getCause();
      throw new ExitException(
          ExitStatus.FAILURE,
          "The commit failed ("
              + ExitException.firstLine(cause)
              + "): the "
              + what
              + " may or may not have been applied."
              + (written != null ? " The backup " + written.file() + " is kept." : ""),
          cause);
    } catch (SQLException e) {
      throw describe.apply(e);
    } finally {
      if (!committed && !run.step().commitSent() && written != null) {
        deleteQuietly(written.file());
      }
      closeQuietly(opened);
    }
  }

  /** Claims the database and lets go at once: only a look, in a transaction rolled back. */
  static Void lookForAnother(Connection c) throws SQLException {
    OneAtATime.claim(c, "reset");
    return null;
  }

  private static void deleteQuietly(Path file) {
    try {
      if (Files.isRegularFile(file)) { // never a device or anything else that is not our file
        BackupWriter.delete(file);
      }
    } catch (IOException e) {
      // reported by the caller's error; nothing more to do
    }
  }

  static void closeQuietly(Connection conn) {
    try {
      conn.close();
    } catch (SQLException e) {
      // nothing to do
    }
  }
}

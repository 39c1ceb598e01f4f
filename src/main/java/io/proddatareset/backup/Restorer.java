package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.pg.Interruptible;
import io.proddatareset.pg.LockWaitWatcher;
import io.proddatareset.pg.OneAtATime;
import io.proddatareset.pg.SqlState;
import io.proddatareset.pg.Transactions;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Supplier;

/**
 * Loads a data-only backup (this tool's, or a plain {@code pg_dump --data-only} file) into
 * existing, empty tables in one transaction: all of it or nothing.
 *
 * <p>Inside that transaction it locks the tables, refuses if any holds a row, drops the foreign
 * keys among them (keys to tables it does not restore stay, so that those are not locked) and
 * disables their user triggers, loads every COPY block and setval, checks rows and checksums
 * against the manifest when there is one, analyzes the tables, adds the foreign keys back (which
 * validates every row, cycles included, with no superuser rights), enables the triggers as they
 * were, and commits. The table owner can do all of it.
 *
 * <p>One restore is one instance: {@link #run} runs it, and {@link #interrupt} stops it from
 * another thread (Ctrl-C) before its commit, or lets a commit that was sent finish.
 */
public final class Restorer {

  private final Connection conn;
  private final Contents contents;
  private final RestoreOptions options;
  private final Supplier<Connection> lookups;
  private final Interruptible interruptible = new Interruptible();

  /**
   * A restore of {@code contents} over {@code conn}, which must be in auto-commit mode (no
   * transaction of the caller's open) when {@link #run} is called.
   */
  public Restorer(Connection conn, Contents contents, RestoreOptions options) {
    this(conn, contents, options, null);
  }

  /**
   * As {@link #Restorer(Connection, Contents, RestoreOptions)}, and {@code lookups} opens a second
   * connection to see which sessions the restore waits for: beside a subset restore's whole
   * transaction, and between the attempts at the exclusive lock of a restore into empty tables. A
   * lock not granted within the lock timeout names them (null: it says only that other sessions
   * hold it).
   */
  public Restorer(
      Connection conn, Contents contents, RestoreOptions options, Supplier<Connection> lookups) {
    this.conn = conn;
    this.contents = contents;
    this.options = options;
    this.lookups = lookups;
    interruptible.attach(conn);
  }

  /**
   * What a backup file holds, read before anything is changed ({@link #inspect}): its tables, its
   * manifest when it has one, and its SHA-256. Only {@link #file}, {@link #manifest}, {@link
   * #fileSha256} and {@link #tables} are for use outside this package.
   *
   * @param file the backup file
   * @param manifest the manifest beside the file, or null
   * @param blocks the COPY blocks, in file order
   * @param sequences the sequences the file sets
   * @param fileSha256 the file's SHA-256: as the manifest records it, or as read
   * @param scanned what reading the whole file found, for a file without a manifest (which is read
   *     to learn what it holds); null when the manifest said it
   */
  public record Contents(
      Path file,
      BackupManifest manifest,
      List<CopyStatement> blocks,
      List<String> sequences,
      String fileSha256,
      BackupReader.Summary scanned) {
    public Contents {
      blocks = List.copyOf(blocks);
      sequences = List.copyOf(sequences);
    }

    /** The tables the file holds data for, in file order. */
    public List<TableName> tables() {
      return blocks.stream().map(CopyStatement::table).distinct().toList();
    }
  }

  /**
   * Reads what {@code file} holds: from its manifest when there is one, otherwise by reading the
   * whole file once (which also checks that it is a data-only backup this tool can load).
   */
  public static Contents inspect(Path file) {
    return ContentsReader.inspect(file);
  }

  /**
   * Restores {@code contents} over {@code conn}: {@code new Restorer(conn, contents,
   * options).run()}.
   */
  public static RestoreResult restore(Connection conn, Contents contents, RestoreOptions options) {
    return new Restorer(conn, contents, options).run();
  }

  /**
   * Runs the restore over the connection, which must be in auto-commit mode: this method runs and
   * commits its own transaction, or rolls it back and throws an {@link ExitException} with nothing
   * changed. The first statement of the transaction claims {@link OneAtATime}: while another reset
   * or restore runs on the database, it refuses at once.
   *
   * @throws ExitException REFUSED when the backup's manifest records another database (unless
   *     {@link RestoreOptions#allowOtherDatabase}), a table is missing or has rows, the file is
   *     damaged or does not match its manifest, or another reset or restore runs; FAILURE when
   *     anything else fails before the commit (nothing was changed), and {@link OutcomeUnknown}
   *     when the commit does not answer (the caller says how to check); INTERRUPTED after {@link
   *     #interrupt} stopped it (rolled back; the message says so)
   */
  public RestoreResult run() {
    try {
      return runTransaction();
    } catch (RuntimeException e) {
      ExitException instead = interruptedInstead(e);
      throw instead != null ? instead : e;
    }
  }

  /**
   * Stops the restore from another thread (Ctrl-C): before the commit, cancels the running
   * statement and closes the connection, so that the server rolls back and {@link #run} throws
   * INTERRUPTED; once COMMIT is sent, does nothing, so that the commit finishes and {@link #run}
   * reports its outcome.
   */
  public void interrupt() {
    interruptible.interrupt();
  }

  /** The step the restore is in now (or ended in). */
  public ChangeStep step() {
    return interruptible.step();
  }

  /** Moves to {@code next}, unless an interrupt came (then it throws; run() says what it left). */
  void enter(ChangeStep next) {
    interruptible.enter(next);
  }

  /** After an interrupt, whatever failed gives way to one line saying what state it left. */
  private ExitException interruptedInstead(RuntimeException e) {
    ChangeStep at = interruptible.interruptedAt();
    if (at == null) {
      return null;
    }
    return new ExitException(
        ExitStatus.INTERRUPTED,
        "Interrupted while " + at.description() + ": rolled back, nothing was changed.",
        e);
  }

  private RestoreResult runTransaction() {
    try {
      Transactions.requireAutoCommit(conn, "a restore");
    } catch (SQLException e) {
      throw ExitException.failure("Cannot use the connection: " + ExitException.firstLine(e), e);
    }
    long started = System.nanoTime();
    enter(ChangeStep.LOCKING);
    try {
      RestoreResult result =
          Transactions.readWrite(
              conn,
              c -> {
                // first, so that nothing is locked or read while another reset or restore runs
                OneAtATime.claim(c, "restore");
                RestoreResult loaded;
                // the server pid asked inside the transaction: through a pooler it is the
                // transaction's server connection
                int pid = Connector.serverPid(c);
                // a subset backup goes back into the live tables, keys kept; its statements may
                // wait for the app's rows, so a watcher sees whom (the restore into empty tables
                // waits only for its table lock, whose attempts look that up themselves)
                boolean live = contents.manifest() != null && contents.manifest().holdsSubset();
                try (LockWaitWatcher watcher =
                    lookups == null || !live ? null : new LockWaitWatcher(lookups, pid)) {
                  RestoreLoad.Job job =
                      new RestoreLoad.Job(
                          this, c, contents, options, started, watcher, pid, lookups);
                  loaded = live ? new LiveRestoreRun(job).execute() : new RestoreRun(job).execute();
                } catch (IOException e) {
                  throw new ReadFailed(e);
                }
                enter(ChangeStep.COMMITTING);
                return loaded;
              });
      // an interrupt after COMMITTING was sent does nothing: this cannot throw
      enter(ChangeStep.COMMITTED);
      return result;
    } catch (Transactions.CommitFailed e) {
      throw commitFailed(e);
    } catch (SQLException e) {
      throw new ExitException(
          ExitStatus.FAILURE,
          "Restore failed: " + ExitException.firstLine(e) + ". Nothing was changed (rolled back).",
          e);
    } catch (ReadFailed e) {
      throw new ExitException(
          ExitStatus.FAILURE,
          "Restore failed reading "
              + contents.file()
              + ": "
              + ExitException.firstLine(e.getCause())
              + ". Nothing was changed (rolled back).",
          e.getCause());
    }
  }

  /** Reading the file failed inside the transaction (which then rolls back). */
  private static final class ReadFailed extends RuntimeException {
    ReadFailed(IOException cause) {
      super(cause);
    }
  }

  /**
   * A failed COMMIT: an error the server answers with means it rolled back; a connection lost on
   * the way leaves the outcome unknown: {@link OutcomeUnknown}.
   */
  private static ExitException commitFailed(Transactions.CommitFailed e) {
    if (!SqlState.of(e).isEmpty() && !SqlState.isConnectionLost(e)) {
      return new ExitException(
          ExitStatus.FAILURE,
          "Restore failed: the commit was refused ("
              + ExitException.firstLine(e)
              + "). Nothing was changed (rolled back).",
          e);
    }
    return new OutcomeUnknown(
        "The commit failed ("
            + ExitException.firstLine(e)
            + "): the restore may or may not have been applied.",
        e);
  }

  /**
   * COMMIT was sent but no answer came (the connection was lost): the restore may or may not have
   * been applied. FAILURE (1); the caller says how to check.
   */
  public static final class OutcomeUnknown extends ExitException {
    OutcomeUnknown(String message, Throwable cause) {
      super(ExitStatus.FAILURE, message, cause);
    }
  }

  /**
   * What {@link #restore} would do with {@code contents}, and every reason it would be refused,
   * found without changing anything: in a {@code REPEATABLE READ, READ ONLY} transaction on {@code
   * conn} (which must be in auto-commit mode; the transaction is rolled back), with no lock beyond
   * what reading a table takes (waiting at most the lock timeout) and no claim of {@link
   * OneAtATime} (another reset or restore holding it is only looked up, and is a refusal). The
   * whole file is read once, to check it against its manifest.
   *
   * @throws ExitException FAILURE when the target or the file cannot be read
   */
  public static RestorePreview preview(Connection conn, Contents contents, RestoreOptions options) {
    if (contents.manifest() != null && contents.manifest().holdsSubset()) {
      try {
        return LiveRestorePreviewer.preview(conn, contents, options);
      } catch (SQLException e) {
        throw ExitException.failure(
            "Cannot read the target: " + ExitException.firstLine(e) + ".", e);
      }
    }
    return RestorePreviewer.preview(conn, contents, options);
  }
}

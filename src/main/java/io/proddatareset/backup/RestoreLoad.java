package io.proddatareset.backup;

import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.pg.LockWaitWatcher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * What the two restores share, inside the transaction {@link Restorer} begins and ends: {@link
 * RestoreRun} (into empty tables) and {@link LiveRestoreRun} (a subset backup into live tables)
 * each read the file once, as {@link BackupReader} hands its blocks over, and load them with {@code
 * COPY ... FROM STDIN} through one buffer.
 */
abstract class RestoreLoad implements BackupReader.Handler {
  private static final int COPY_BUFFER = 1 << 16;

  /**
   * One restore's inputs, as {@link Restorer} hands them to the run that does its work.
   *
   * @param restorer the restore to tell each step the run enters (where an interrupt can stop it);
   *     null for a dry run, which enters none
   * @param conn the connection, inside the restore's transaction
   * @param contents what the file holds
   * @param options the restore's options
   * @param started when the restore started ({@link System#nanoTime})
   * @param watcher who a subset restore waits for, seen from a second connection; or null
   * @param pid the server pid of {@code conn}'s transaction (asked inside it: through a pooler it
   *     is that transaction's server connection); 0 when not known
   * @param lookups opens a second connection, to look up who holds a lock; or null
   */
  record Job(
      Restorer restorer,
      Connection conn,
      Restorer.Contents contents,
      RestoreOptions options,
      long started,
      LockWaitWatcher watcher,
      int pid,
      Supplier<Connection> lookups) {
    /** A job without the second connection: a lock wait's message cannot name the holders. */
    Job(Restorer restorer, Connection conn, Restorer.Contents contents, RestoreOptions options) {
      this(restorer, conn, contents, options, System.nanoTime(), null, 0, null);
    }
  }

  final Connection conn;
  final Restorer.Contents contents;
  final RestoreOptions options;
  private final Job job;
  private final byte[] buffer = new byte[COPY_BUFFER];
  private CopyManager copyApi;

  RestoreLoad(Job job) {
    this.job = job;
    this.conn = job.conn();
    this.contents = job.contents();
    this.options = job.options();
  }

  /** Moves the restore to {@code next} (a dry run has no restore to move). */
  final void enter(ChangeStep next) {
    if (job.restorer() != null) {
      job.restorer().enter(next);
    }
  }

  /** The milliseconds since the restore started. */
  final long millis() {
    return (System.nanoTime() - job.started()) / 1_000_000;
  }

  /**
   * Reads the whole file, handing its blocks and setvals to this run.
   *
   * @throws ExitException USAGE when the file is gone; REFUSED (or USAGE) when it cannot be read as
   *     a backup, as {@link RestoreMessages#unreadable} says
   * @throws SQLException what the server refused while the run loaded a block
   */
  final BackupReader.Summary readFile() throws IOException, SQLException {
    try (InputStream in = Files.newInputStream(contents.file())) {
      return BackupReader.read(in, this);
    } catch (NoSuchFileException e) {
      throw ExitException.usage(
          contents.file() + " disappeared while it was restored. Nothing was changed.");
    } catch (BackupFormatException e) {
      throw RestoreMessages.unreadable(
          contents.file(), e, contents.manifest() != null, ". Nothing was changed (rolled back).");
    }
  }

  /**
   * A lock not granted within the lock timeout while the restore did {@code what} ("lock the
   * tables"), in words (FAILURE), naming the sessions it waited for when the watcher saw them, and
   * then {@code whatNow}: what that left and what to do.
   */
  final ExitException lockTimedOut(SQLException e, String what, String whatNow) {
    List<String> blockers = job.watcher() == null ? List.of() : job.watcher().blockers();
    return new ExitException(
        ExitStatus.FAILURE,
        "Could not "
            + what
            + " within "
            + Durations.limit(options.lockTimeout())
            + (blockers.isEmpty()
                ? ": other sessions are using them. "
                : ": waited for " + String.join("; ", blockers) + ". ")
            + whatNow,
        e);
  }

  /**
   * Locks {@code tables} in {@code mode} in short attempts ({@link LockAttempts}): the app's
   * sessions that queue behind the waiting request wait one attempt at most, not the whole lock
   * timeout; giving up (FAILURE) names the sessions holding them, then says {@code afterwards}.
   */
  final void lockInAttempts(
      LockAttempts.Mode mode, Collection<TableName> tables, String what, String afterwards)
      throws SQLException {
    Supplier<Connection> lookups =
        job.lookups() != null
            ? job.lookups()
            : () -> {
              throw new IllegalStateException("no second connection to look up lock holders");
            };
    new LockAttempts(lookups, LockAttempts.Tuning.DEFAULT)
        .lock(
            conn,
            job.pid(),
            mode,
            tables.stream().map(TableName::sql).toList(),
            what,
            options.lockTimeout(),
            afterwards);
  }

  /**
   * Streams a block's {@code data} into {@code sql} ({@code COPY ... FROM STDIN}, see {@link
   * CopyLoad#into}).
   */
  final long copyIn(String sql, TableName table, InputStream data)
      throws IOException, SQLException {
    if (copyApi == null) {
      copyApi = conn.unwrap(PGConnection.class).getCopyAPI();
    }
    return CopyLoad.into(copyApi, sql, table, data, buffer, options.progress());
  }
}

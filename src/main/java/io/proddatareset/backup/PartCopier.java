package io.proddatareset.backup;

import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.catalog.Table;
import io.proddatareset.pg.SessionSettings;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Copies the parts of a backup into the assembler: on the caller's connection alone, or with {@code
 * jobs - 1} more connections that import the caller's exported snapshot, each part on whichever
 * connection is free. The first part to fail stops the others; every worker connection is closed
 * (rolling back its read-only transaction) before {@link #copyAll} returns.
 */
final class PartCopier {
  private static final Pattern SNAPSHOT_ID = Pattern.compile("[0-9A-Fa-f-]+");

  private final Connection main;
  private final Supplier<Connection> workerConnections;
  private final List<Table> tables;
  private final Compressors compressors;
  private final BackupProgress progress;
  private final Duration workerLockTimeout;

  PartCopier(
      Connection main,
      Supplier<Connection> workerConnections,
      List<Table> tables,
      Compressors compressors,
      BackupProgress progress,
      Duration workerLockTimeout) {
    this.main = main;
    this.workerConnections = workerConnections;
    this.tables = tables;
    this.compressors = compressors;
    this.progress = progress;
    this.workerLockTimeout = workerLockTimeout;
  }

  /** Copies every part into assembler part {@code p + 1}, on up to {@code jobs} connections. */
  void copyAll(
      List<CopyParts.Part> parts,
      int jobs,
      OrderedFileAssembler assembler,
      List<CopiedTable> copied)
      throws IOException, SQLException {
    int[] partNo = new int[parts.size()];
    int[] count = new int[tables.size()];
    for (int p = 0; p < parts.size(); p++) {
      partNo[p] = count[parts.get(p).table()]++;
    }
    jobs = Math.min(jobs, parts.size());
    if (jobs <= 1) {
      for (int p = 0; p < parts.size(); p++) {
        copyPart(main, parts.get(p), p + 1, partNo[p], copied, assembler);
      }
      return;
    }
    String snapshot = exportSnapshot();
    BlockingQueue<Connection> pool = new ArrayBlockingQueue<>(jobs);
    List<Connection> opened = Collections.synchronizedList(new ArrayList<>());
    pool.add(main);
    ExecutorService executor =
        Executors.newFixedThreadPool(jobs, DaemonThreads.named("backup-worker"));
    // the caller's connection starts copying at once; the others join as they connect
    ExecutorService openers =
        Executors.newFixedThreadPool(jobs - 1, DaemonThreads.named("backup-connect"));
    try {
      for (int j = 1; j < jobs; j++) {
        openers.submit(
            () -> {
              try {
                Connection c = workerConnections.get();
                opened.add(c);
                importSnapshot(c, snapshot);
                pool.add(c);
              } catch (SQLException | RuntimeException e) {
                // fewer connections, say at max_connections: the parts wait for the others
              }
            });
      }
      List<Future<?>> futures = new ArrayList<>();
      for (int p = 0; p < parts.size(); p++) {
        CopyParts.Part part = parts.get(p);
        int index = p + 1;
        int no = partNo[p];
        futures.add(
            executor.submit(
                () -> {
                  Connection c = pool.take();
                  try {
                    copyPart(c, part, index, no, copied, assembler);
                  } finally {
                    pool.add(c);
                  }
                  return null;
                }));
      }
      rethrow(firstFailure(futures, assembler, opened));
    } finally {
      for (ExecutorService e : List.of(executor, openers)) {
        e.shutdown();
        try {
          if (!e.awaitTermination(60, TimeUnit.SECONDS)) {
            e.shutdownNow();
          }
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      for (Connection c : List.copyOf(opened)) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // read-only: closing rolls back
        }
      }
    }
  }

  private String exportSnapshot() throws SQLException {
    String snapshot;
    try (Statement st = main.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
      rs.next();
      snapshot = rs.getString(1);
    }
    if (!SNAPSHOT_ID.matcher(snapshot).matches()) {
      throw new SQLException("unexpected snapshot id from the server");
    }
    return snapshot;
  }

  /** Waits for every part; the first failure stops the others (at their next write or cancel). */
  private static Throwable firstFailure(
      List<Future<?>> futures, OrderedFileAssembler assembler, List<Connection> opened)
      throws IOException {
    Throwable firstFailure = null;
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (firstFailure == null) {
          firstFailure = e.getCause();
          assembler.abort(new IOException("another part failed", firstFailure));
          for (Future<?> other : futures) {
            other.cancel(false);
          }
          for (Connection c : List.copyOf(opened)) {
            cancelQuietly(c);
          }
        }
      } catch (CancellationException ignored) {
        // stopped after another part failed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    return firstFailure;
  }

  private static void rethrow(Throwable failure) throws IOException, SQLException {
    if (failure instanceof IOException e) {
      throw e;
    }
    if (failure instanceof SQLException e) {
      throw e;
    }
    if (failure instanceof RuntimeException e) {
      throw e;
    }
    if (failure != null) {
      throw new IOException(failure);
    }
  }

  private static void cancelQuietly(Connection c) {
    try {
      c.unwrap(PGConnection.class).cancelQuery();
    } catch (SQLException ignored) {
      // the part stops at its next write anyway
    }
  }

  /**
   * A worker's transaction: the caller's snapshot, read only. A worker's lock on a table can queue
   * behind another session's request for an exclusive lock that itself waits for the caller's
   * transaction, which waits for the worker: the lock timeout turns that into a failure instead of
   * a hang.
   */
  private void importSnapshot(Connection c, String snapshot) throws SQLException {
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      st.execute("SET TRANSACTION SNAPSHOT '" + snapshot + "'");
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT set_config('row_security', 'off', true),"
                + " set_config('lock_timeout', ?, true), set_config('statement_timeout', '0', true),"
                + " set_config('idle_in_transaction_session_timeout', '0', true)")) {
      ps.setString(1, Durations.limit(workerLockTimeout));
      ps.execute();
    }
    // a worker's own connection: nothing to put back afterwards
    SessionSettings.pin(c, SessionSettings.COPY_TEXT);
  }

  private void copyPart(
      Connection c,
      CopyParts.Part part,
      int index,
      int partNo,
      List<CopiedTable> copied,
      OrderedFileAssembler assembler)
      throws IOException, SQLException {
    Table t = tables.get(part.table());
    OutputStream partOut = assembler.open(index);
    BufferedOutputStream buffered = new BufferedOutputStream(partOut, 1 << 16);
    CountingDigest data;
    long rows;
    try (OutputStream member = compressors.member(buffered)) {
      if (part.first()) {
        CopyStatement statement =
            new CopyStatement(t.name(), t.storedColumns().stream().map(col -> col.name()).toList());
        member.write(
            BackupFormat.blockHeader(t.name(), statement).getBytes(StandardCharsets.UTF_8));
      }
      data = new CountingDigest(member, t.name(), progress);
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      try {
        rows = copy.copyOut(part.sql(), data);
      } catch (SQLException e) {
        String why =
            "55P03".equals(e.getSQLState())
                ? "could not lock it within "
                    + Durations.limit(workerLockTimeout)
                    + ": another session wants it exclusively (ALTER TABLE, TRUNCATE, ...);"
                    + " try again when that is done"
                : ExitException.firstLine(e);
        throw new SQLException("copying " + t.name().display() + ": " + why, e.getSQLState(), e);
      }
      data.finish(rows);
      if (part.last()) {
        member.write(BackupFormat.END_OF_DATA);
      }
    }
    buffered.flush();
    // recorded before the part is complete, so the check finds it when it reads the part
    copied.get(part.table()).record(partNo, rows, data.bytes(), data.sha256());
    partOut.close();
  }
}

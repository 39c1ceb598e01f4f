package io.proddatareset.backup;

import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.catalog.Table;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.SqlState;
import io.proddatareset.pg.Transactions;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Copies the parts of a backup into the assembler: on the caller's connection alone, or with {@code
 * jobs - 1} more connections that import the caller's exported snapshot, each part on whichever
 * connection is free. The first part to fail stops the others; every worker connection is closed
 * (rolling back its read-only transaction) before {@link #copyAll} returns.
 *
 * @param main the caller's connection, in the backup's snapshot
 * @param workerConnections opens each further connection
 * @param tables the tables the parts belong to, in file order
 * @param workerLockTimeout how long a worker waits for its ACCESS SHARE lock on a part's table
 */
record PartCopier(
    Connection main,
    Supplier<Connection> workerConnections,
    List<Table> tables,
    Compressors compressors,
    BackupProgress progress,
    Duration workerLockTimeout) {
  private static final Pattern SNAPSHOT_ID = Pattern.compile("[0-9A-Fa-f-]+");

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
    PartQueue queue = new PartQueue(parts, partNo, copied, assembler);
    ExecutorService executor =
        Executors.newFixedThreadPool(jobs, DaemonThreads.named("backup-worker"));
    try {
      // the caller's connection starts copying at once; the others join as they connect
      List<Future<?>> futures = new ArrayList<>();
      futures.add(executor.submit(() -> queue.copyOn(main)));
      for (int j = 1; j < jobs; j++) {
        futures.add(executor.submit(() -> worker(snapshot, queue)));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          // recorded by the queue, which stopped the other parts
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
      rethrow(queue.failure);
    } finally {
      executor.shutdown();
      try {
        if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
          executor.shutdownNow();
        }
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      for (Connection c : List.copyOf(queue.workers)) {
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

  /**
   * One more connection, copying parts in a read-only transaction that imports the caller's
   * snapshot. A worker that cannot connect or import the snapshot (say at max_connections) leaves
   * the parts to the others; once it copies, its failure is the backup's.
   */
  private Void worker(String snapshot, PartQueue queue) throws IOException, SQLException {
    Connection c;
    try {
      c = workerConnections.get();
    } catch (RuntimeException e) {
      return null;
    }
    queue.workers.add(c);
    // 0: joining, 1: copying, 2: its share copied
    int[] state = {0};
    try {
      Transactions.readOnlySnapshot(
          c,
          conn -> {
            try {
              importSnapshot(conn, snapshot);
            } catch (SQLException | RuntimeException e) {
              return null;
            }
            state[0] = 1;
            try {
              queue.copyOn(conn);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            state[0] = 2;
            return null;
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } catch (SQLException | RuntimeException e) {
      if (state[0] == 1) {
        throw e;
      }
      // it never joined, or its parts are copied: closing it below ends its transaction
    }
    return null;
  }

  /**
   * The parts in file order, taken one at a time by whichever connection is free. The first part to
   * fail stops the rest: it aborts the assembler (the others stop at their next write) and cancels
   * the workers' running queries.
   */
  private final class PartQueue {
    private final List<CopyParts.Part> parts;
    private final int[] partNo;
    private final List<CopiedTable> copied;
    private final OrderedFileAssembler assembler;
    private final AtomicInteger next = new AtomicInteger();
    final List<Connection> workers = Collections.synchronizedList(new ArrayList<>());
    volatile Throwable failure;

    PartQueue(
        List<CopyParts.Part> parts,
        int[] partNo,
        List<CopiedTable> copied,
        OrderedFileAssembler assembler) {
      this.parts = parts;
      this.partNo = partNo;
      this.copied = copied;
      this.assembler = assembler;
    }

    Void copyOn(Connection c) throws IOException, SQLException {
      int p;
      while (failure == null && (p = next.getAndIncrement()) < parts.size()) {
        try {
          copyPart(c, parts.get(p), p + 1, partNo[p], copied, assembler);
        } catch (IOException | SQLException | RuntimeException | Error e) {
          fail(e);
          throw e;
        }
      }
      return null;
    }

    private void fail(Throwable e) {
      synchronized (this) {
        if (failure != null) {
          return;
        }
        failure = e;
      }
      assembler.abort(new IOException("another part failed", e));
      for (Connection c : List.copyOf(workers)) {
        cancelQuietly(c);
      }
    }
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
    try (Statement st = c.createStatement()) {
      st.execute("SET TRANSACTION SNAPSHOT " + Identifiers.literal(snapshot));
    }
    // a worker's own connection: nothing to put back afterwards
    SessionSettings.pinLongTransaction(c, workerLockTimeout, withCopyText("row_security", "off"));
  }

  /** {@code settings} followed by {@link SessionSettings#COPY_TEXT}. */
  private static String[] withCopyText(String... settings) {
    String[] all = Arrays.copyOf(settings, settings.length + SessionSettings.COPY_TEXT.length);
    System.arraycopy(
        SessionSettings.COPY_TEXT, 0, all, settings.length, SessionSettings.COPY_TEXT.length);
    return all;
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
            SqlState.isLockTimeout(e)
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

package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.Table;
import io.proddatareset.pg.Transactions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Supplier;

/**
 * Writes a data-only backup (the format of {@code pg_dump --data-only}, plain, gzip or zstd) from
 * one snapshot, re-reads it, checks it against what was copied and only then puts the file and its
 * manifest in place.
 */
public final class BackupWriter {
  private BackupWriter() {}

  /**
   * Writes a verified backup of {@code tables} as the snapshot of the caller's open transaction
   * sees them: the reset calls this inside its own transaction after locking the tables, so the
   * backup holds exactly the rows it will remove.
   *
   * <p>Transaction: {@code inOpenTransaction} must have auto-commit off. This method never commits
   * or rolls it back; it sets {@code row_security} off for the rest of the transaction (so that a
   * row-level security policy makes the backup fail instead of silently leaving rows out). For the
   * copy it sets {@code search_path}, {@code intervalstyle} and {@code extra_float_digits} as
   * pg_dump does, and puts the caller's values back after it. After a failure the transaction may
   * be aborted and the caller must roll it back.
   *
   * <p>With {@code jobs > 1} it exports the transaction's snapshot ({@code pg_export_snapshot()})
   * and opens up to {@code jobs - 1} more connections from {@code workerConnections}, each in a
   * {@code REPEATABLE READ, READ ONLY} transaction importing that snapshot; they only take ACCESS
   * SHARE locks, so they can read tables the caller holds in SHARE or EXCLUSIVE mode (not ACCESS
   * EXCLUSIVE). They are closed before this method returns.
   *
   * <p>Files: the data goes to a temporary file beside {@code file}; once it has been re-read and
   * every table's row count and checksum matched, it is synced and renamed to {@code file}, and the
   * manifest is written to {@code FILE.manifest.json}. On any failure nothing is left behind and an
   * {@link ExitException} says what happened in one line. An existing regular file is never
   * overwritten.
   *
   * @param tables the tables in the order a load should take (parents before children); their
   *     {@link Table#storedColumns()} are written, partitions under their root
   */
  public static BackupResult write(
      Connection inOpenTransaction,
      Supplier<Connection> workerConnections,
      List<Table> tables,
      Path file,
      BackupOptions options) {
    return write(
        inOpenTransaction, workerConnections, tables, BackupDestination.file(file), options);
  }

  /**
   * Writes a backup to {@code destination}, as {@link #write(Connection, Supplier, List, Path,
   * BackupOptions)} does for a file. A stream cannot be read back: its bytes are checked as they
   * are sent, by the same reader a restore uses, and the manifest, which records their size and
   * checksums, is written to {@link BackupDestination#manifest()} once the stream is complete. On a
   * failure, what was already sent cannot be taken back: the message says so, and no manifest is
   * written. The stream is flushed, never closed.
   */
  public static BackupResult write(
      Connection inOpenTransaction,
      Supplier<Connection> workerConnections,
      List<Table> tables,
      BackupDestination destination,
      BackupOptions options) {
    return write(
        inOpenTransaction, workerConnections, tables, destination, options, BackupTuning.DEFAULT);
  }

  /** As the public {@code write}, with the tuning values a test chose. */
  static BackupResult write(
      Connection inOpenTransaction,
      Supplier<Connection> workerConnections,
      List<Table> tables,
      BackupDestination destination,
      BackupOptions options,
      BackupTuning tuning) {
    requireTransaction(inOpenTransaction);
    WriteOutput output =
        destination.streamed() ? new StreamOutput(destination) : new FileOutput(destination);
    return new WriteRun(
            inOpenTransaction,
            workerConnections,
            tables,
            output,
            destination.compression(),
            options,
            tuning)
        .execute();
  }

  /**
   * Begins a backup that can take rows appended later, on another connection ({@link
   * BackupInProgress#append}), before it is finished ({@link BackupInProgress#finish}): checks the
   * destination, writes the header and copies every table as the snapshot of {@code snapshotTxn}
   * sees it, with {@code options.jobs() - 1} more connections importing that snapshot as {@link
   * #write} does. No sequences yet: they are read when the backup is finished.
   *
   * <p>Transaction and locks: {@code snapshotTxn} must have auto-commit off; typically a {@code
   * REPEATABLE READ} transaction, so that writers are never blocked by the copy. It takes ACCESS
   * SHARE locks on every table, which last until the caller ends that transaction; this method
   * never commits or rolls it back, and sets {@code row_security} off in it (the text settings of
   * the copy are put back). The workers' transactions end, and their connections are closed, before
   * this method returns. After a failure the transaction may be aborted.
   *
   * <p>Files: as {@link #write}: nothing is in place under {@code file}'s name until the backup is
   * finished; on a failure here, or a later one, or {@link BackupInProgress#close} before it is
   * finished, the partial file is removed.
   *
   * @param tables the tables in the order a load should take (parents before children)
   * @throws ExitException as {@link #write} does
   */
  public static BackupInProgress begin(
      Connection snapshotTxn,
      Supplier<Connection> workers,
      List<Table> tables,
      Path file,
      BackupOptions options) {
    return begin(snapshotTxn, workers, tables, file, options, BackupTuning.DEFAULT);
  }

  /** As the public {@code begin}, with the tuning values a test chose. */
  static BackupInProgress begin(
      Connection snapshotTxn,
      Supplier<Connection> workers,
      List<Table> tables,
      Path file,
      BackupOptions options,
      BackupTuning tuning) {
    requireTransaction(snapshotTxn);
    BackupDestination destination = BackupDestination.file(file);
    WriteRun run =
        new WriteRun(
            snapshotTxn,
            workers,
            tables,
            new FileOutput(destination),
            destination.compression(),
            options,
            tuning);
    run.begin();
    return new BackupInProgress(run);
  }

  /** Refuses a connection in auto-commit mode: a backup runs in its caller's transaction. */
  static void requireTransaction(Connection conn) {
    try {
      Transactions.requireOpen(conn, "a backup");
    } catch (SQLException e) {
      throw ExitException.failure("Cannot use the connection: " + ExitException.firstLine(e), e);
    }
  }

  /** Removes a backup and its manifest, e.g. when the reset that wrote it rolled back. */
  public static void delete(Path file) throws IOException {
    Files.deleteIfExists(ManifestFile.pathFor(file));
    Files.deleteIfExists(file);
  }
}

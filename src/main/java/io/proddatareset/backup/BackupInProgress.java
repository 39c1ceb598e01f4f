package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import java.sql.Connection;
import java.util.List;

/**
 * A backup file whose tables have been copied from one snapshot ({@link BackupWriter#begin}) and
 * that can take the rows written since, on another connection, before it is finished: the reset
 * copies every table without blocking writers, then, holding its locks, appends what was written
 * meanwhile and finishes the file. Nothing is in place under the backup's name until {@link
 * #finish} returns; {@link #close} before that removes everything written.
 *
 * <p>Not thread-safe: one caller, one call at a time. After any method threw, the backup has been
 * stopped and its partial file removed; later calls throw {@link IllegalStateException}, and {@link
 * #close} does nothing.
 */
public final class BackupInProgress implements AutoCloseable {
  private final WriteRun run;

  BackupInProgress(WriteRun run) {
    this.run = run;
  }

  /** The rows the backup holds so far of {@code table}: its copy's and those appended since. */
  public long rows(TableName table) {
    return run.rows(table);
  }

  /**
   * Appends {@code COPY (SELECT columns FROM table WHERE rowCondition) TO STDOUT}, run on {@code
   * conn}, as a further {@code COPY} block of {@code table}, after every block written so far; a
   * query that yields no rows writes no block. Call it for each table in the order a load should
   * take (parents first): the blocks are loaded in file order. The columns are those of the first
   * copy. A non-partitioned table's own rows are selected ({@code FROM ONLY}), as its copy did.
   *
   * <p>Transaction: {@code conn} is the caller's, in an open transaction; it is never committed or
   * rolled back. For the COPY it sets {@code search_path}, {@code intervalstyle} and {@code
   * extra_float_digits} as pg_dump does and {@code row_security} off, and puts the caller's values
   * back after it. After a failure the transaction may be aborted (the caller must roll it back),
   * and the backup is stopped and removed.
   *
   * @param table one of the tables the backup began with
   * @param rowCondition SQL text of a condition on the table's rows, which may use system columns
   *     ({@code xmin}, {@code ctid}); it is put in the query as it is, so it must never hold user
   *     input
   * @return the rows appended
   * @throws ExitException when the copy or the write failed (the message says which and that the
   *     partial file was removed), or REFUSED when the read-back check found the file damaged
   * @throws IllegalStateException when the backup was finished or failed, or writes to a stream
   * @throws IllegalArgumentException when {@code table} is not one of the backup's tables
   */
  public long append(Connection conn, Table table, String rowCondition) {
    return run.append(conn, table, rowCondition);
  }

  /**
   * Writes the sequences' values as {@code conn} sees them now, and the footer; syncs the file,
   * waits for the check that read every block back, compares it with what was copied and appended,
   * and puts the file and its manifest in place.
   *
   * <p>Transaction: {@code conn} only reads the sequences; it may be the caller's open transaction
   * (the reset's, holding its locks) and is never committed or rolled back.
   *
   * @param kept the kept tables' fingerprints to record in the manifest (taken after the reset's
   *     locks); null for those of the options the backup began with
   * @throws ExitException as {@link BackupWriter#write} does; the partial file is removed
   */
  public BackupResult finish(Connection conn, List<BackupManifest.KeptEntry> kept) {
    return run.finish(conn, kept);
  }

  /**
   * When the backup was not finished: stops it and removes its partial file (a backup of production
   * rows must not be left behind). Does nothing after {@link #finish} or a failure.
   */
  @Override
  public void close() {
    run.abandon();
  }
}

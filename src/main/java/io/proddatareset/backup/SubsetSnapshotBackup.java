package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.Abandon;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.Transactions;
import io.proddatareset.plan.ConditionCheck;
import io.proddatareset.plan.RowClosure;
import io.proddatareset.plan.RowSelection;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The standalone {@code backup --where}: the rows a subset reset of the same selection would delete
 * and the pre-images of those it would update, from one snapshot, as a subset backup ({@link
 * SubsetBackup}). No row is changed.
 *
 * <p>Transactions: the conditions are first checked by the server, each in a read-only transaction
 * of its own ({@link ConditionCheck}). Then one {@code REPEATABLE READ} transaction, always rolled
 * back: the catalog is read, the closure's key set is filled ({@link RowClosure#fill}: a temporary
 * table, which a transaction that is read-only from its start could not create), the transaction is
 * made {@code READ ONLY}, and every entry's block is copied from that same snapshot. Locks: ACCESS
 * SHARE on the tables read, until the rollback; writers are never blocked.
 *
 * <p>One backup is one instance: {@link #run} writes it, {@link #interrupt} stops it from another
 * thread (Ctrl-C): its connection is cancelled and closed, the partial file removed.
 */
public final class SubsetSnapshotBackup {
  private final Connector connector;
  private final List<String> schemas;
  private final Selector selector;
  private final Path file;
  private final BackupOptions options;
  private final Object stateLock = new Object();
  // guarded by stateLock
  private Connection connection;
  private boolean interrupted;

  /** Resolves the selection against the catalog read in the backup's snapshot. */
  @FunctionalInterface
  public interface Selector {
    RowSelection select(Catalog catalog, KeyDetails keys);
  }

  public SubsetSnapshotBackup(
      Connector connector,
      List<String> schemas,
      Selector selector,
      Path file,
      BackupOptions options) {
    this.connector = connector;
    this.schemas = List.copyOf(schemas);
    this.selector = selector;
    this.file = file;
    this.options = options;
  }

  /**
   * Writes the backup.
   *
   * @throws ExitException USAGE for a selection or condition that cannot be used (nothing written),
   *     as {@link SubsetBackup} for the file, INTERRUPTED after {@link #interrupt}
   */
  public BackupResult run() {
    try {
      return runTransactions();
    } catch (RuntimeException e) {
      synchronized (stateLock) {
        if (!interrupted) {
          throw e;
        }
      }
      throw new ExitException(
          ExitStatus.INTERRUPTED,
          "Interrupted while backing up: no backup was written; the partial file was removed.",
          e);
    }
  }

  /** Stops the backup from another thread: cancels and closes its connection. */
  public void interrupt() {
    Connection c;
    synchronized (stateLock) {
      interrupted = true;
      c = connection;
    }
    if (c != null) {
      Abandon.cancelAndClose(c);
    }
  }

  private BackupResult runTransactions() {
    Connection opened = connector.open();
    synchronized (stateLock) {
      connection = opened;
      if (interrupted) {
        Abandon.cancelAndClose(opened);
        throw new ExitException(ExitStatus.INTERRUPTED, "interrupted");
      }
    }
    try (Connection c = opened) {
      // the conditions are the user's SQL: the server checks each one, read-only, first
      Catalog first = CatalogReader.read(c, schemas);
      for (RowSelection.Condition cond : selector.select(first, KeyDetails.read(c)).conditions()) {
        ConditionCheck.check(c, first.table(cond.table()).orElseThrow(), cond.sql());
      }
      return Transactions.rolledBack(
          c,
          txn -> {
            try (Statement st = txn.createStatement()) {
              // first statement: every read below sees one snapshot
              st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            }
            SessionSettings.pinLongTransaction(txn, SnapshotBackup.LOCK_TIMEOUT);
            Catalog catalog = CatalogReader.read(txn, schemas);
            KeyDetails keys = KeyDetails.read(txn);
            RowSelection selection = selector.select(catalog, keys);
            RowClosure.Result closure = RowClosure.fill(txn, catalog, keys, selection);
            try (Statement st = txn.createStatement()) {
              // the key set is in place: from here on nothing can be written
              st.execute("SET TRANSACTION READ ONLY");
            }
            List<SubsetEntry> entries = SubsetEntries.of(txn, catalog, keys, selection, closure);
            if (entries.isEmpty()) {
              throw ExitException.usage(
                  "The --where selection matches no row: nothing to back up. Nothing was"
                      + " written.");
            }
            try (SubsetBackup backup =
                SubsetBackup.begin(txn, file, options, entries, SubsetInfo.of(selection))) {
              for (SubsetEntry e : entries) {
                backup.copy(txn, e, closure.rowsCondition(e.table().name(), e.deletes()));
              }
              return backup.finish(txn);
            }
          });
    } catch (SQLException e) {
      throw ExitException.failure(
          "Backup failed: " + ExitException.firstLine(e) + ". No backup was written.", e);
    }
  }
}

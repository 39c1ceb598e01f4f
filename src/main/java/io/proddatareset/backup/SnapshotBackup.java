package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.ForeignKeyGraph;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import io.proddatareset.connect.Connector;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The standalone {@code backup}: its own {@code REPEATABLE READ, READ ONLY} transaction, in which
 * the catalog is read and the tables are copied, so the whole backup is one snapshot.
 */
public final class SnapshotBackup {
  private SnapshotBackup() {}

  /** The tables to back up, in the order a load should take: parents before children. */
  public static List<Table> loadOrder(Catalog catalog, Collection<TableName> chosen) {
    Set<TableName> set = Set.copyOf(chosen);
    ForeignKeyGraph graph = ForeignKeyGraph.of(catalog).restrictTo(set);
    return TruncationOrder.parentsFirst(graph).tables().stream()
        .filter(set::contains)
        .map(n -> catalog.table(n).orElseThrow())
        .toList();
  }

  /**
   * Opens a connection, starts a {@code REPEATABLE READ, READ ONLY} transaction, reads the catalog
   * of {@code schemas}, lets {@code choose} pick the tables and writes the backup (see {@link
   * BackupWriter#write}); extra jobs import the same snapshot. The transaction only reads and is
   * rolled back at the end.
   */
  public static BackupResult run(
      Connector connector,
      List<String> schemas,
      Function<Catalog, Collection<TableName>> choose,
      Path file,
      BackupOptions options) {
    try (Connection c = connector.open()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try {
        Catalog catalog = CatalogReader.read(c, schemas);
        List<Table> tables = loadOrder(catalog, choose.apply(catalog));
        return BackupWriter.write(c, connector::open, tables, file, options);
      } finally {
        try {
          c.rollback();
        } catch (SQLException ignored) {
          // the connection may be gone; the server ends the transaction then
        }
      }
    } catch (SQLException e) {
      throw ExitException.failure("Backup failed: " + BackupWriter.firstLine(e) + ".", e);
    }
  }

  /** Every table of the catalog (the {@code --all} choice). */
  public static Collection<TableName> all(Catalog catalog) {
    if (catalog.tables().isEmpty()) {
      throw ExitException.usage(
          "No tables in schema(s) "
              + String.join(", ", catalog.schemas())
              + ": nothing to back up.");
    }
    return catalog.tableNames();
  }
}

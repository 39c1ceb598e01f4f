package io.proddatareset.plan;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.ForeignKeyGraph;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import java.util.List;

/**
 * The rows part of a plan with {@code --where}: the selection as resolved, and its closure as the
 * plan computed it (exact counts).
 *
 * @param selection the conditions, virtual references and tenant key
 * @param closure per table the rows deleted and updated, the path by which it is reached, the
 *     undeclared references found
 */
public record SubsetPlan(RowSelection selection, RowClosure.Result closure) {
  /** Why a table named in --reset is in a row reset's closure: every row goes. */
  public static final String EVERY_ROW = "every row: named in --reset";

  /** The tables with rows to delete, by name. */
  public List<TableName> deletedTables() {
    return closure.tables().stream()
        .filter(r -> r.deleteRows() > 0)
        .map(RowClosure.Reached::table)
        .toList();
  }

  /** The tables with rows to update (and not delete), by name. */
  public List<TableName> updatedTables() {
    return closure.tables().stream()
        .filter(r -> r.updateRows() > 0)
        .map(RowClosure.Reached::table)
        .toList();
  }

  /** The tables whose rows the closure deletes or updates, by name. */
  public List<TableName> touchedTables() {
    return closure.tables().stream()
        .filter(r -> r.deleteRows() > 0 || r.updateRows() > 0)
        .map(RowClosure.Reached::table)
        .toList();
  }

  public boolean touches(TableName table) {
    return touchedTables().contains(table);
  }

  /** The rows deleted, over every table. */
  public long rowsToDelete() {
    return closure.tables().stream().mapToLong(RowClosure.Reached::deleteRows).sum();
  }

  /** The rows updated (and not deleted), over every table. */
  public long rowsToUpdate() {
    return closure.tables().stream().mapToLong(RowClosure.Reached::updateRows).sum();
  }

  /**
   * The tables with rows to delete, children before parents by their declared foreign keys, the
   * tables of a cycle grouped together (with the cycle's keys): the order in which a reset deletes
   * them. Virtual references do not order anything: the server does not enforce them.
   */
  public TruncationOrder deleteOrder(Catalog catalog) {
    // the closure may reach tables outside the schemas in scope: the catalog lists their keys
    return TruncationOrder.leafFirst(ForeignKeyGraph.of(deletedTables(), catalog.foreignKeys()));
  }
}

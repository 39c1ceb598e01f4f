package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.Column;
import io.proddatareset.catalog.ForeignKey;
import io.proddatareset.catalog.ForeignKeyGraph;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import io.proddatareset.plan.ClosureEdge;
import io.proddatareset.plan.RowClosure;
import io.proddatareset.plan.RowSelection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The blocks of a subset backup, in the order a restore into live tables loads them: the tables
 * with deleted rows parents first, then the tables with updated rows (parents first too). Within a
 * cycle of foreign keys, a table comes before the others when its keys to those not yet loaded can
 * be left NULL (or deferred) for the load, so that the restore can insert it first and set those
 * columns afterwards.
 */
public final class SubsetEntries {
  private SubsetEntries() {}

  /**
   * The entries for the closure {@code closure} of {@code selection}.
   *
   * @param conn reads each table's unique indexes (for a table without a primary key), in the
   *     caller's transaction
   * @throws ExitException USAGE when the closure reaches a table outside the catalog's schemas
   */
  public static List<SubsetEntry> of(
      Connection conn,
      Catalog catalog,
      KeyDetails keys,
      RowSelection selection,
      RowClosure.Result closure)
      throws SQLException {
    List<TableName> deleted = new ArrayList<>();
    List<TableName> updated = new ArrayList<>();
    for (RowClosure.Reached r : closure.tables()) {
      if (catalog.table(r.table()).isEmpty()) {
        throw ExitException.usage(
            "The rows selected reach "
                + r.table().display()
                + ", which is outside the schemas read ("
                + String.join(", ", catalog.schemas())
                + "): add its schema with --schema. Nothing was written.");
      }
      if (r.deleteRows() > 0) {
        deleted.add(r.table());
      }
      if (r.updateRows() > 0) {
        updated.add(r.table());
      }
    }
    List<ClosureEdge> edges = RowClosure.edges(catalog, keys, selection);
    List<SubsetEntry> out = new ArrayList<>();
    for (TableName t : loadOrder(catalog, deleted)) {
      out.add(
          new SubsetEntry(
              catalog.table(t).orElseThrow(), SubsetEntry.Action.DELETE, key(conn, keys, t), null));
    }
    for (TableName t : loadOrder(catalog, updated)) {
      Set<String> columns = new LinkedHashSet<>();
      for (ClosureEdge e : edges) {
        if (e.child().equals(t) && !e.deletes() && deleted.contains(e.parent())) {
          columns.addAll(e.setColumns());
        }
      }
      out.add(
          new SubsetEntry(
              catalog.table(t).orElseThrow(),
              SubsetEntry.Action.UPDATE,
              key(conn, keys, t),
              List.copyOf(columns)));
    }
    return out;
  }

  /** Parents first; within a cycle, tables whose keys into the rest can wait, first. */
  static List<TableName> loadOrder(Catalog catalog, List<TableName> tables) {
    Set<TableName> set = Set.copyOf(tables);
    ForeignKeyGraph graph = ForeignKeyGraph.of(catalog).restrictTo(set);
    List<TableName> out = new ArrayList<>();
    for (TruncationOrder.Group g : TruncationOrder.parentsFirst(graph).groups()) {
      List<TableName> left = new ArrayList<>(g.tables().stream().filter(set::contains).toList());
      while (!left.isEmpty()) {
        TableName next = left.get(0);
        for (TableName candidate : left) {
          if (canWait(catalog, candidate, left)) {
            next = candidate;
            break;
          }
        }
        out.add(next);
        left.remove(next);
      }
    }
    return out;
  }

  /**
   * Whether every key of {@code table} into the other tables of {@code left} is deferrable or has
   * only nullable columns: then its rows can be inserted before those tables' rows.
   */
  private static boolean canWait(Catalog catalog, TableName table, List<TableName> left) {
    Table t = catalog.table(table).orElseThrow();
    for (ForeignKey fk : catalog.foreignKeysFrom(table)) {
      if (fk.selfReference() || !left.contains(fk.parent()) || fk.deferrable()) {
        continue;
      }
      for (String c : fk.childColumns()) {
        if (t.columns().stream().anyMatch(col -> col.name().equals(c) && col.notNull())) {
          return false;
        }
      }
    }
    return true;
  }

  private static final String UNIQUE_NOT_NULL =
      """
      SELECT ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(num, ord)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num
                   ORDER BY k.ord)
      FROM pg_catalog.pg_index i
      WHERE i.indrelid = ?::regclass AND i.indisunique AND i.indpred IS NULL
        AND i.indexprs IS NULL AND i.indimmediate
        AND NOT EXISTS (SELECT FROM unnest(i.indkey) k(num)
                        JOIN pg_catalog.pg_attribute a
                          ON a.attrelid = i.indrelid AND a.attnum = k.num
                        WHERE NOT a.attnotnull)
      ORDER BY i.indnatts, i.indexrelid
      LIMIT 1
      """;

  /** The primary key, else the narrowest unique index of NOT NULL columns; null for none. */
  static List<String> key(Connection conn, KeyDetails keys, TableName table) throws SQLException {
    List<String> primary = keys.table(table).map(KeyDetails.TableKey::primaryKey).orElse(List.of());
    if (!primary.isEmpty()) {
      return primary;
    }
    try (PreparedStatement ps = conn.prepareStatement(UNIQUE_NOT_NULL)) {
      ps.setString(1, table.sql());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Arrays.asList((String[]) rs.getArray(1).getArray()) : null;
      }
    }
  }

  /** The stored column names of {@code t}, in order. */
  static List<String> columns(Table t) {
    return t.storedColumns().stream().map(Column::name).toList();
  }
}

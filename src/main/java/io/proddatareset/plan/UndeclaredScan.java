package io.proddatareset.plan;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.Column;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * After a closure is computed ({@link ClosureRun}), in its transaction: the columns that look like
 * references to a table with deleted rows but have no constraint ({@link UndeclaredReference}:
 * named after the table, of the type of its one-column key, followed by no foreign key or virtual
 * reference), with how many of their rows point at the deleted rows and how many of those the
 * closure deletes anyway. Counted on the server, one statement per column.
 */
record UndeclaredScan(
    Connection c,
    Catalog catalog,
    KeyDetails keys,
    List<ClosureEdge> edges,
    Map<TableName, Integer> numbers,
    Map<TableName, String> leaves) {
  static List<UndeclaredReference> find(
      Connection c,
      Catalog catalog,
      KeyDetails keys,
      List<ClosureEdge> edges,
      Map<TableName, Integer> numbers,
      Map<TableName, String> leaves,
      List<RowClosure.Reached> reached)
      throws SQLException {
    return new UndeclaredScan(c, catalog, keys, edges, numbers, leaves).scan(reached);
  }

  private List<UndeclaredReference> scan(List<RowClosure.Reached> reached) throws SQLException {
    List<UndeclaredReference> out = new ArrayList<>();
    for (RowClosure.Reached r : reached) {
      if (r.deleteRows() == 0) {
        continue;
      }
      KeyDetails.TableKey key = keys.table(r.table()).orElse(null);
      if (key == null || key.primaryKey().size() != 1) {
        continue;
      }
      String pk = key.primaryKey().get(0);
      String pkType = key.primaryKeyTypes().get(0);
      Set<String> names = UndeclaredReference.referenceNames(r.table().name());
      for (Table t : catalog.tables()) {
        for (Column column : t.columns()) {
          if (names.contains(column.name())
              && column.type().equals(pkType)
              && !followed(t.name(), column.name())) {
            UndeclaredReference u = count(t.name(), column.name(), r.table(), pk);
            if (u.matchingRows() > u.alreadyDeleted()) {
              out.add(u);
            }
          }
        }
      }
    }
    out.sort(
        java.util.Comparator.comparing(UndeclaredReference::child)
            .thenComparing(UndeclaredReference::column)
            .thenComparing(UndeclaredReference::parent));
    return out;
  }

  /** Whether a foreign key or virtual reference from {@code table} has {@code column} alone. */
  private boolean followed(TableName table, String column) {
    return edges.stream()
        .anyMatch(e -> e.child().equals(table) && e.childColumns().equals(List.of(column)));
  }

  private UndeclaredReference count(TableName child, String column, TableName parent, String pk)
      throws SQLException {
    // a leaf's rows are not in the key set: its condition names them (ClosureLeaves)
    String deletedChild =
        leaves.containsKey(child)
            ? "t.ctid IN (SELECT ctid FROM "
                + RowClosure.ownRows(catalog, keys, child)
                + " WHERE "
                + leaves.get(child)
                + ")"
            : "EXISTS (SELECT 1 FROM "
                + RowClosure.ROWS
                + " x WHERE x.rel = ? AND x.kind = 'd' AND x.toid = t.tableoid AND x.tid = t.ctid)";
    String deletedParents =
        leaves.containsKey(parent)
            ? "SELECT "
                + Identifiers.quote(pk)
                + " FROM "
                + RowClosure.ownRows(catalog, keys, parent)
                + " WHERE "
                + leaves.get(parent)
            : "SELECT p."
                + Identifiers.quote(pk)
                + " FROM "
                + RowClosure.ROWS
                + " r JOIN "
                + RowClosure.ownRows(catalog, keys, parent)
                + " p ON p.tableoid = r.toid AND p.ctid = r.tid WHERE r.rel = ? AND r.kind = 'd'";
    String sql =
        "SELECT count(*), count(*) FILTER (WHERE "
            + deletedChild
            + ") FROM "
            + RowClosure.ownRows(catalog, keys, child)
            + " t WHERE t."
            + Identifiers.quote(column)
            + " IN ("
            + deletedParents
            + ")";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int parameter = 1;
      if (!leaves.containsKey(child)) {
        ps.setInt(parameter++, numbers.containsKey(child) ? numbers.get(child) : -1);
      }
      if (!leaves.containsKey(parent)) {
        ps.setInt(parameter, numbers.get(parent));
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new UndeclaredReference(child, column, parent, pk, rs.getLong(1), rs.getLong(2));
      }
    }
  }
}

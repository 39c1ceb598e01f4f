package io.proddatareset.plan;

import io.proddatareset.Counts;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.Queries;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The foreign keys a subset reset makes slow: deleting a parent row makes PostgreSQL's own
 * foreign-key trigger look for the rows that reference it, in each child table, once per deleted
 * row, even when the tool has deleted those children already. Without an index that starts with the
 * child's key columns, each look is a scan of the whole child table: deleting 25,000 rows of a
 * parent with a child of a million rows is 25,000 scans of a million rows (hours), while the row
 * locks are held and the statement timeout runs. No role short of a superuser can switch those
 * triggers off, so the plan says it before the reset, with the index to create.
 */
public final class UnindexedKeys {
  private UnindexedKeys() {}

  /** Per declared foreign key, by name: whether no valid index starts with its child columns. */
  private static final String SQL =
      "SELECT c.conname, r.reltuples::bigint FROM pg_catalog.pg_constraint c"
          + " JOIN pg_catalog.pg_class r ON r.oid = c.conrelid"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace"
          + " WHERE c.contype = 'f' AND n.nspname = ? AND r.relname = ? AND c.conname = ?"
          + " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i"
          + "   WHERE i.indrelid = c.conrelid AND i.indpred IS NULL AND i.indisvalid"
          + "   AND (SELECT array_agg(k ORDER BY k)"
          + "        FROM unnest((i.indkey::int2[])[0:cardinality(c.conkey) - 1]) k)"
          + "     = (SELECT array_agg(k ORDER BY k) FROM unnest(c.conkey) k))";

  /**
   * Rows read in all (deleted parent rows times the child's rows) below which the scans are not
   * worth a warning: about ten million is a second or two.
   */
  static final long MIN_ROWS_READ = 10_000_000L;

  /**
   * One warning per declared key, followed by the closure, whose parent loses rows and whose child
   * columns no index starts with, when the scans would read at least {@link #MIN_ROWS_READ} rows in
   * all (by the planner's row count of the child). Reads the catalog only.
   *
   * @param edges the closure's edges ({@link RowClosure#edges})
   */
  public static List<PlanWarning> find(
      Connection c, RowClosure.Result closure, List<ClosureEdge> edges) throws SQLException {
    return find(c, closure, edges, MIN_ROWS_READ);
  }

  static List<PlanWarning> find(
      Connection c, RowClosure.Result closure, List<ClosureEdge> edges, long minRowsRead)
      throws SQLException {
    Map<TableName, Long> deleted =
        closure.tables().stream()
            .filter(r -> r.deleteRows() > 0)
            .collect(Collectors.toMap(RowClosure.Reached::table, RowClosure.Reached::deleteRows));
    List<ClosureEdge> keys =
        edges.stream().filter(e -> !e.virtual() && deleted.containsKey(e.parent())).toList();
    List<PlanWarning> out = new ArrayList<>();
    for (ClosureEdge e : keys) {
      List<Long> childRows =
          Queries.list(
              c,
              SQL,
              ps -> {
                ps.setString(1, e.childSource().schema());
                ps.setString(2, e.childSource().name());
                ps.setString(3, e.name());
              },
              rs -> rs.getLong(2));
      if (childRows.isEmpty()
          || (double) deleted.get(e.parent()) * Math.max(1, childRows.get(0)) < minRowsRead) {
        continue;
      }
      String columns =
          e.childColumns().stream().map(Identifiers::display).collect(Collectors.joining(", "));
      out.add(
          new PlanWarning(
              PlanWarning.Code.UNINDEXED_FOREIGN_KEY,
              "Deleting "
                  + Counts.of(deleted.get(e.parent()), "row")
                  + " of "
                  + e.parent().display()
                  + " makes PostgreSQL check "
                  + e.childSource().display()
                  + (childRows.get(0) > 0
                      ? " (about " + Counts.of(childRows.get(0), "row") + ")"
                      : "")
                  + " once per deleted row through "
                  + e.name()
                  + ", and no index starts with its columns ("
                  + String.join(", ", e.childColumns())
                  + "): each check scans the whole table while the rows stay locked. Create the"
                  + " index first: CREATE INDEX CONCURRENTLY ON "
                  + e.childSource().display()
                  + " ("
                  + columns
                  + ");",
              List.of(e.childSource())));
    }
    return out;
  }
}

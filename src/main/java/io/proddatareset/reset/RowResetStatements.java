package io.proddatareset.reset;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.ColumnDefaults;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.plan.ClosureEdge;
import io.proddatareset.plan.RowClosure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The statements of a row reset, on the stable, locked closure, in the reset's transaction: what
 * each table is to lose (its key set, before any change), the updates of the rows that {@code SET
 * NULL} / {@code SET DEFAULT} keys change, the deletes children first, and the check that every
 * statement deleted or updated exactly the rows of the key set.
 *
 * <p>Each row is named by its table's primary key ({@code row(k1, k2)::text}), or by the hash of
 * its whole content where the table has none ({@code md5(t::text)}); what each statement changed
 * comes from its own {@code RETURNING} and is checked against the key set by {@link RowResetCheck}.
 * No table is read whole: the app keeps writing other rows.
 *
 * <p>Order: every update first (so that the server's own {@code SET NULL} actions find nothing left
 * to change, and no row of the key set gets a new {@code ctid} from them), then the deletes,
 * children before parents along every key between tables with deleted rows. The tables of a cycle
 * (a non-deferrable country/capital pair, or a self-reference) are deleted in one statement, with
 * data-modifying CTEs for several tables: the server checks the keys at the end of the statement,
 * when the whole cycle is gone.
 */
final class RowResetStatements {
  static final String VIRTUAL = "pg_temp.pdr_reset_virtual";

  private final Catalog catalog;
  private final KeyDetails keys;
  private final RowClosure.Result closure;
  private final List<ClosureEdge> edges;
  private final Map<TableName, Integer> numbers = new LinkedHashMap<>();
  private final RowResetCheck check;
  private final Set<TableName> deletedByBackup = new HashSet<>();

  RowResetStatements(
      Catalog catalog, KeyDetails keys, RowClosure.Result closure, List<ClosureEdge> edges) {
    this.catalog = catalog;
    this.keys = keys;
    this.closure = closure;
    this.edges = List.copyOf(edges);
    for (RowClosure.Reached r : closure.tables()) {
      numbers.put(r.table(), numbers.size());
    }
    this.check = new RowResetCheck(catalog, keys, closure, numbers);
  }

  /** The key set recorded, and the check of what the statements changed against it. */
  RowResetCheck check() {
    return check;
  }

  /** The table in a FROM clause or as a statement's target: its own rows. */
  static String ownRows(Catalog catalog, KeyDetails keys, TableName t) {
    return RowClosure.ownRows(catalog, keys, t);
  }

  private String ownRows(TableName t) {
    return ownRows(catalog, keys, t);
  }

  /**
   * What names a row of {@code t} (alias {@code alias}): its primary key, or its content's hash.
   */
  String rowKey(TableName t, String alias) {
    return RowClosure.rowKey(keys, t, alias).orElse("md5(" + alias + "::text)");
  }

  private List<RowClosure.Reached> deleting() {
    return closure.tables().stream().filter(r -> r.deleteRows() > 0).toList();
  }

  private List<RowClosure.Reached> updating() {
    return closure.tables().stream().filter(r -> r.updateRows() > 0).toList();
  }

  /**
   * Updates, per table, the rows the closure updates: each column of a {@code SET NULL} / {@code
   * SET DEFAULT} key into deleted rows becomes NULL or its default in the rows whose key points at
   * a deleted row (a row may point at a deleted row through one key and at a kept row through
   * another). Returns the pre-images' keys into the done set.
   */
  void update(Connection t) throws SQLException {
    for (RowClosure.Reached r : updating()) {
      Map<String, List<String>> cases = new LinkedHashMap<>();
      for (ClosureEdge e : edges) {
        if (!e.child().equals(r.table()) || e.deletes() || !deletes(e.parent())) {
          continue;
        }
        String when = referencesDeleted(e, "d");
        String value =
            e.action() == KeyDetails.Action.SET_DEFAULT ? null : "NULL"; // null: the default
        for (String column : e.setColumns()) {
          String v = value != null ? value : ColumnDefaults.expression(t, r.table(), column);
          cases.computeIfAbsent(column, c -> new ArrayList<>()).add("WHEN " + when + " THEN " + v);
        }
      }
      if (cases.isEmpty()) {
        continue;
      }
      List<String> sets = new ArrayList<>();
      cases.forEach(
          (column, whens) ->
              sets.add(
                  Identifiers.quote(column)
                      + " = CASE "
                      + String.join(" ", whens)
                      + " ELSE d."
                      + Identifiers.quote(column)
                      + " END"));
      String sql =
          "WITH u AS (UPDATE "
              + ownRows(r.table())
              + " d SET "
              + String.join(", ", sets)
              + " FROM (SELECT s.tableoid AS toid, s.ctid AS tid, "
              + rowKey(r.table(), "s")
              + " AS k FROM "
              + ownRows(r.table())
              + " s WHERE "
              + closure.rowsCondition(r.table(), false)
              + ") o WHERE d.tableoid = o.toid AND d.ctid = o.tid RETURNING o.k) "
              + (check.keyed(r.table())
                  ? check.checked(r.table(), 'u', "u")
                  : check.done(r.table(), 'u', "u"));
      try (Statement st = t.createStatement()) {
        if (st.execute(sql)) {
          check.collect(st.getResultSet());
        }
      }
    }
  }

  private boolean deletes(TableName table) {
    return closure.table(table).map(r -> r.deleteRows() > 0).orElse(false);
  }

  /**
   * A condition on the child row {@code alias}: its key columns of {@code e} equal a deleted parent
   * row's (NULL columns reference nothing, as in MATCH SIMPLE); restricted to the partition the key
   * is declared on.
   */
  private String referencesDeleted(ClosureEdge e, String alias) {
    StringBuilder child = new StringBuilder("(");
    StringBuilder parent = new StringBuilder();
    for (int i = 0; i < e.childColumns().size(); i++) {
      child.append(i > 0 ? ", " : "").append(alias).append('.');
      child.append(Identifiers.quote(e.childColumns().get(i)));
      parent
          .append(i > 0 ? ", " : "")
          .append("p.")
          .append(Identifiers.quote(e.parentColumns().get(i)));
    }
    child.append(")");
    String partition =
        e.childSource().equals(e.child())
            ? ""
            : alias
                + ".tableoid = "
                + Identifiers.literal(e.childSource().sql())
                + "::regclass AND ";
    return "("
        + partition
        + child
        + " IN (SELECT "
        + parent
        + " FROM "
        + ownRows(e.parent())
        + " p WHERE "
        + closure.rowsCondition(e.parent(), true)
        + "))";
  }

  /**
   * Records, for each virtual reference into a table with deleted rows, the referenced columns of
   * those rows, before they go: what {@link #addedThroughVirtual} looks for just before the commit.
   */
  void recordVirtualParents(Connection t) throws SQLException {
    try (Statement st = t.createStatement()) {
      st.execute(
          "CREATE TEMPORARY TABLE IF NOT EXISTS pdr_reset_virtual (edge int NOT NULL, k text NOT"
              + " NULL) ON COMMIT DROP");
      st.execute("TRUNCATE " + VIRTUAL);
      for (int i = 0; i < edges.size(); i++) {
        ClosureEdge e = edges.get(i);
        if (!e.virtual() || !deletes(e.parent())) {
          continue;
        }
        st.execute(
            "INSERT INTO "
                + VIRTUAL
                + " SELECT DISTINCT "
                + i
                + ", "
                + columnsText(e.parentColumns(), "p")
                + " FROM "
                + ownRows(e.parent())
                + " p WHERE "
                + closure.rowsCondition(e.parent(), true));
      }
    }
  }

  private static String columnsText(List<String> columns, String alias) {
    StringBuilder out = new StringBuilder("row(");
    for (int i = 0; i < columns.size(); i++) {
      out.append(i > 0 ? ", " : "").append(alias).append('.');
      out.append(Identifiers.quote(columns.get(i)));
    }
    return out.append(")::text").toString();
  }

  /**
   * After the deletes: per virtual reference, the rows of its child that point at a deleted row.
   * The closure deleted every such row that existed when it was stable, so these were written
   * since; row locks do not hold such inserts off (the server knows no key to check).
   */
  Map<String, Long> addedThroughVirtual(Connection t) throws SQLException {
    Map<String, Long> out = new LinkedHashMap<>();
    for (int i = 0; i < edges.size(); i++) {
      ClosureEdge e = edges.get(i);
      if (!e.virtual() || !deletes(e.parent())) {
        continue;
      }
      String sql =
          "SELECT count(*) FROM "
              + ownRows(e.child())
              + " c WHERE "
              + columnsText(e.childColumns(), "c")
              + " IN (SELECT k FROM "
              + VIRTUAL
              + " WHERE edge = "
              + i
              + ")";
      try (Statement st = t.createStatement();
          ResultSet rs = st.executeQuery(sql)) {
        rs.next();
        if (rs.getLong(1) > 0) {
          out.put(e.display(), rs.getLong(1));
        }
      }
    }
    return out;
  }

  /**
   * The deletes, children first; each group is one statement (a cycle's tables in one, through
   * data-modifying CTEs), returning the deleted rows' keys into the done set.
   */
  void delete(Connection t) throws SQLException {
    for (List<TableName> group : deletionOrder()) {
      if (group.size() == 1 && closure.leaf(group.get(0))) {
        deleteLeaf(t, group.get(0));
        continue;
      }
      StringBuilder sql = new StringBuilder("WITH ");
      List<String> selects = new ArrayList<>();
      List<String> checks = new ArrayList<>();
      for (int i = 0; i < group.size(); i++) {
        TableName table = group.get(i);
        sql.append(i > 0 ? ", " : "")
            .append("d")
            .append(i)
            .append(" AS (DELETE FROM ")
            .append(ownRows(table))
            .append(" d WHERE ")
            .append(closure.rowsCondition(table, true))
            .append(" RETURNING ")
            .append(rowKey(table, "d"))
            .append(" AS k)");
        if (check.keyed(table)) {
          checks.add(check.checked(table, 'd', "d" + i));
        } else {
          selects.add(check.doneRows(table, 'd', "d" + i));
        }
      }
      if (!selects.isEmpty()) {
        // run once, whether or not the main statement reads it
        sql.append(", done AS (INSERT INTO ")
            .append(RowResetCheck.DONE)
            .append(" ")
            .append(String.join(" UNION ALL ", selects))
            .append(")");
      }
      sql.append(" ")
          .append(
              checks.isEmpty()
                  ? "SELECT NULL::int, NULL::\"char\", 0::bigint, 0::bigint, 0::bigint WHERE false"
                  : String.join(" UNION ALL ", checks));
      try (Statement st = t.createStatement()) {
        st.execute(sql.toString());
        check.collect(st.getResultSet());
      }
    }
  }

  /**
   * A leaf's delete, checked by its count ({@link RowResetCheck#counted}), unless the backup
   * deleted its rows as it copied them ({@link #deletedByBackup}).
   */
  private void deleteLeaf(Connection t, TableName table) throws SQLException {
    if (deletedByBackup.contains(table)) {
      return;
    }
    String sql =
        "WITH d AS (DELETE FROM "
            + ownRows(table)
            + " WHERE "
            + closure.rowsCondition(table, true)
            + " RETURNING 1) SELECT count(*) FROM d";
    try (Statement st = t.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      check.counted(table, rs.getLong(1));
    }
  }

  /**
   * Records that the backup deleted the rows of the leaf {@code table} as it copied them ({@code
   * COPY (DELETE ... RETURNING ...)}), {@code rows} of them: {@link #delete} leaves it out, and the
   * count is checked.
   */
  void deletedByBackup(TableName table, long rows) {
    if (!closure.leaf(table)) {
      throw new IllegalArgumentException(table.display() + " is not a leaf of the closure");
    }
    deletedByBackup.add(table);
    check.counted(table, rows);
  }

  /** The tables with deleted rows in groups, children first ({@link DeletionOrder}). */
  List<List<TableName>> deletionOrder() {
    return DeletionOrder.of(deleting().stream().map(RowClosure.Reached::table).toList(), edges);
  }
}

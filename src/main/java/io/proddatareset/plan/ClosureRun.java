package io.proddatareset.plan;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.SqlState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One computation of a {@link RowClosure}: its statements, on the server, in the caller's
 * transaction (see {@link RowClosure} for which). The tables it met are numbered in the order met.
 */
final class ClosureRun {
  private final Connection c;
  private final Catalog catalog;
  private final KeyDetails keys;
  private final RowSelection selection;
  private final List<ClosureEdge> edges;
  private final Map<TableName, Integer> numbers = new LinkedHashMap<>();
  private final Map<TableName, List<ClosureEdge>> paths = new HashMap<>();
  // per table number: the rows added to delete, to update (the key set's own counts)
  private final Map<Integer, long[]> addedRows = new HashMap<>();
  // per table number: its rows in the key set (both kinds) when the key set was last analyzed
  private final Map<Integer, Long> analyzedRows = new HashMap<>();
  // the leaves (ClosureLeaves): the edges met into each, then each one's condition and rows
  private final Set<TableName> leaves;
  private final Map<TableName, Set<ClosureEdge>> leafEdges = new LinkedHashMap<>();
  private final Map<TableName, String> leafRows = new LinkedHashMap<>();
  private final Map<Integer, Long> leafCounts = new HashMap<>();

  private final boolean readOnly;
  // null: the rows are not locked
  RowClosure.Locking locking;

  ClosureRun(
      Connection c, Catalog catalog, KeyDetails keys, RowSelection selection, boolean readOnly) {
    this.c = c;
    this.readOnly = readOnly;
    this.catalog = catalog;
    this.keys = keys;
    this.selection = selection;
    this.edges = RowClosure.edges(catalog, keys, selection);
    this.leaves = ClosureLeaves.of(catalog, keys, selection, edges);
  }

  RowClosure.Result run() throws SQLException {
    try (Statement st = c.createStatement()) {
      try {
        st.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS pdr_closure_rows (rel int NOT NULL, kind \"char\" NOT NULL,"
                + " toid oid NOT NULL, tid tid NOT NULL, level int NOT NULL, k text,"
                + " PRIMARY KEY (rel, kind, toid, tid)) ON COMMIT DROP");
      } catch (SQLException e) {
        if (SqlState.READ_ONLY_SQL_TRANSACTION.equals(e.getSQLState())
            || SqlState.INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
          throw new ExitException(
              ExitStatus.FAILURE,
              "Cannot compute the rows of the --where selection: the closure is kept in a"
                  + " temporary table, which this session cannot create ("
                  + ExitException.firstLine(e.getMessage())
                  + "); nothing was changed: connect to the primary server, as a role with the"
                  + " TEMPORARY privilege on the database.",
              e);
        }
        throw e;
      }
      st.execute("TRUNCATE " + RowClosure.ROWS);
      st.execute(
          "CREATE INDEX IF NOT EXISTS pdr_closure_rows_level ON "
              + RowClosure.ROWS
              + " (rel, kind, level)");
      if (readOnly) {
        // from here on the user's conditions run: they can write nothing
        st.execute("SET TRANSACTION READ ONLY");
      }
    }
    Set<TableName> frontier = new LinkedHashSet<>();
    for (RowSelection.Condition condition : selection.conditions()) {
      paths.putIfAbsent(condition.table(), List.of());
      long added = select(condition);
      addedRows.computeIfAbsent(number(condition.table()), n -> new long[2])[0] += added;
      if (added > 0) {
        frontier.add(condition.table());
      }
    }
    int level = 0;
    while (!frontier.isEmpty()) {
      Set<TableName> next = new LinkedHashSet<>();
      for (TableName parent : frontier) {
        for (ClosureEdge e : edges) {
          if (!e.parent().equals(parent)) {
            continue;
          }
          if (leaves.contains(e.child())) {
            // counted once every parent's rows are in the key set
            number(e.child());
            leafEdges.computeIfAbsent(e.child(), t -> new LinkedHashSet<>()).add(e);
            continue;
          }
          analyzeWhenGrown(number(e.parent()), number(e.child()));
          long added = follow(e, level);
          addedRows.computeIfAbsent(number(e.child()), n -> new long[2])[e.deletes() ? 0 : 1] +=
              added;
          if (added > 0) {
            List<ClosureEdge> path = new ArrayList<>(paths.get(parent));
            path.add(e);
            paths.putIfAbsent(e.child(), path);
            if (e.deletes()) {
              next.add(e.child());
            }
          }
        }
      }
      frontier = next;
      level++;
    }
    // what follows (the leaves, the counts, the undeclared scan, a reset's statements) reads it too
    analyzeWhenGrown(addedRows.keySet().stream().mapToInt(Integer::intValue).toArray());
    for (Map.Entry<TableName, Set<ClosureEdge>> leaf : leafEdges.entrySet()) {
      TableName t = leaf.getKey();
      List<ClosureEdge> into = List.copyOf(leaf.getValue());
      String addresses = ClosureLeaves.addresses(catalog, keys, t, into, numbers);
      leafRows.put(t, ClosureLeaves.condition(addresses));
      long rows = ClosureLeaves.count(c, catalog, keys, t, addresses, locking);
      leafCounts.put(number(t), rows);
      if (rows > 0) {
        List<ClosureEdge> path = new ArrayList<>(paths.get(into.get(0).parent()));
        path.add(into.get(0));
        paths.putIfAbsent(t, path);
      }
    }
    List<RowClosure.Reached> reached = counts();
    return new RowClosure.Result(
        reached,
        UndeclaredScan.find(c, catalog, keys, edges, numbers, leafRows, reached),
        level,
        numbers,
        leafRows);
  }

  boolean selectionUnchanged(Map<TableName, Integer> met) throws SQLException {
    Map<TableName, List<RowSelection.Condition>> byTable = new LinkedHashMap<>();
    for (RowSelection.Condition condition : selection.conditions()) {
      byTable.computeIfAbsent(condition.table(), t -> new ArrayList<>()).add(condition);
    }
    for (Map.Entry<TableName, List<RowSelection.Condition>> e : byTable.entrySet()) {
      Integer n = met.get(e.getKey());
      String any =
          e.getValue().stream()
              .map(c -> "(\n" + c.sql() + "\n)")
              .collect(Collectors.joining(" OR "));
      // the rows selected now, and those of them not in the key set's level 0
      String sql =
          "SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM "
              + RowClosure.ROWS
              + " x WHERE x.rel = ? AND x.kind = 'd' AND x.level = 0 AND x.toid = s.tableoid"
              + " AND x.tid = s.ctid)), (SELECT count(*) FROM "
              + RowClosure.ROWS
              + " x WHERE x.rel = ? AND x.kind = 'd' AND x.level = 0) FROM (SELECT tableoid, ctid"
              + " FROM "
              + ownRows(e.getKey())
              + " WHERE "
              + any
              + ") s";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setInt(1, n == null ? -1 : n);
        ps.setInt(2, n == null ? -1 : n);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getLong(2) != 0 || rs.getLong(1) != rs.getLong(3)) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /**
   * Gives the planner the key set's statistics before a statement that reads the rows of {@code
   * rels} (the parent's, to join; the child's, to leave out those already in) whenever one of them
   * has grown by half since the last time: a temporary table is never analyzed by autovacuum, and
   * without statistics the planner takes a table's rows there for nearly none. Measured: a second
   * foreign key into the same child (entity_sources from entities, then from raw_notes) planned on
   * the statistics of before the first one's 25,000 rows compared each new row with all of them (16
   * s instead of 0.1 s). Growing by half keeps a deep self-reference (a few rows per level) to a
   * logarithmic number of ANALYZEs; a table under {@value #ANALYZE_FROM} rows is never worth one.
   */
  private void analyzeWhenGrown(int... rels) throws SQLException {
    boolean stale = false;
    for (int rel : rels) {
      long now = rowsOf(rel);
      long then = analyzedRows.getOrDefault(rel, 0L);
      stale |= now >= ANALYZE_FROM && now > then + then / 2;
    }
    if (!stale) {
      return;
    }
    try (Statement st = c.createStatement()) {
      st.execute("ANALYZE " + RowClosure.ROWS);
    }
    addedRows.keySet().forEach(rel -> analyzedRows.put(rel, rowsOf(rel)));
  }

  private static final long ANALYZE_FROM = 1000;

  private long rowsOf(int rel) {
    long[] counts = addedRows.get(rel);
    return counts == null ? 0 : counts[0] + counts[1];
  }

  /**
   * When the rows are locked as they are found: the key of the row (alias {@code alias}, or none),
   * read in the version locked, as {@link RowClosure#rowKey} writes it; the reset's check compares
   * what its statements return with it. NULL otherwise, and for a table without a primary key (its
   * rows are named by their content, read when the reset records what it is to lose).
   */
  private String lockedKey(TableName t, String alias) {
    if (locking == null) {
      return "NULL";
    }
    return RowClosure.rowKey(keys, t, alias).orElse("NULL");
  }

  private int number(TableName t) {
    return numbers.computeIfAbsent(t, x -> numbers.size());
  }

  /** The table in a FROM clause: its own rows ({@link RowClosure#ownRows}). */
  private String ownRows(TableName t) {
    return RowClosure.ownRows(catalog, keys, t);
  }

  private boolean partitioned(TableName t) {
    return RowClosure.partitioned(catalog, keys, t);
  }

  /**
   * Adds the rows the condition selects, at level 0. The table has no alias, as in {@link
   * ConditionCheck}: a condition may name its columns {@code users.email}.
   */
  private long select(RowSelection.Condition condition) throws SQLException {
    String sql =
        "INSERT INTO "
            + RowClosure.ROWS
            + " (rel, kind, toid, tid, level, k) SELECT ?, 'd', tableoid, ctid, 0, "
            + lockedKey(condition.table(), null)
            + " FROM "
            + ownRows(condition.table())
            + " WHERE (\n"
            + condition.sql()
            + "\n)"
            + (locking == null ? "" : " FOR UPDATE")
            + " ON CONFLICT DO NOTHING";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, number(condition.table()));
      if (locking == null) {
        return ps.executeLargeUpdate();
      }
      return locking.lock(
          condition.table(), "(\n" + condition.sql() + "\n)", ps::executeLargeUpdate);
    } catch (SQLException e) {
      if (SqlState.isCircumstantial(e)) {
        throw e; // a lost connection, a lock, the app's change: the moment's, not the condition's
      }
      throw ExitException.usage(
          "The condition '"
              + condition.text()
              + "' failed on the server: "
              + ExitException.firstLine(e.getMessage())
              + "; nothing was changed, correct the --where condition.");
    }
  }

  /**
   * SQL text: a FROM item {@code p} for the rows of {@code parent} (number {@code rel}, itself SQL
   * text: a literal or a parameter) that the key set deletes, and {@link #parentsAt} the condition
   * that keeps those added at {@code level}. An ordinary table's rows are fetched by their
   * addresses (a TID scan) rather than by reading the whole table to join it with the key set; a
   * partitioned table's rows are joined with the key set here (their addresses repeat across
   * partitions).
   */
  private String parentRows(TableName parent, String rel, String level) {
    if (!partitioned(parent)) {
      return ownRows(parent) + " p";
    }
    return "(SELECT p.* FROM "
        + RowClosure.ROWS
        + " r JOIN "
        + ownRows(parent)
        + " p ON p.tableoid = r.toid AND p.ctid = r.tid WHERE r.rel = "
        + rel
        + " AND r.kind = 'd' AND r.level = "
        + level
        + ") p";
  }

  /** The condition on {@link #parentRows}: those added at {@code level}. */
  private String parentsAt(TableName parent, String rel, String level) {
    if (!partitioned(parent)) {
      return "p.ctid = ANY (ARRAY(SELECT r.tid FROM "
          + RowClosure.ROWS
          + " r WHERE r.rel = "
          + rel
          + " AND r.kind = 'd' AND r.level = "
          + level
          + "))";
    }
    return "true";
  }

  /** Adds the child rows of the parent rows added at {@code level}; returns how many. */
  private long follow(ClosureEdge e, int level) throws SQLException {
    StringBuilder on = new StringBuilder();
    for (int i = 0; i < e.childColumns().size(); i++) {
      if (i > 0) {
        on.append(" AND ");
      }
      on.append("c.")
          .append(Identifiers.quote(e.childColumns().get(i)))
          .append(" = p.")
          .append(Identifiers.quote(e.parentColumns().get(i)));
    }
    String childRows =
        e.childSource().equals(e.child()) ? ownRows(e.child()) : e.childSource().sql();
    boolean unique = !e.virtual();
    String kind = e.deletes() ? "'d'" : "'u'";
    String sql =
        "INSERT INTO "
            + RowClosure.ROWS
            + " (rel, kind, toid, tid, level, k) SELECT ?, "
            + kind
            + ", c.tableoid, c.ctid, ?, "
            + lockedKey(e.child(), "c")
            + " FROM "
            + parentRows(e.parent(), "?", "?")
            + " JOIN "
            + childRows
            + " c ON "
            + on
            + " WHERE "
            + parentsAt(e.parent(), "?", "?")
            // a foreign key references a unique key: a child row joins one parent row at most, so
            // the rows not in the key set yet are added (cheaper than ON CONFLICT); not so virtual
            + (unique
                ? " AND NOT EXISTS (SELECT 1 FROM "
                    + RowClosure.ROWS
                    + " x WHERE x.rel = ? AND x.kind = "
                    + kind
                    + " AND x.toid = c.tableoid AND x.tid = c.ctid)"
                : "")
            + (locking == null ? "" : " FOR UPDATE OF c")
            + (unique ? "" : " ON CONFLICT DO NOTHING");
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, number(e.child()));
      ps.setInt(2, level + 1);
      ps.setInt(3, number(e.parent()));
      ps.setInt(4, level);
      if (unique) {
        ps.setInt(5, number(e.child()));
      }
      if (locking == null) {
        return ps.executeLargeUpdate();
      }
      // the rows of the child whose key is one of the parent rows' of this level
      StringBuilder cols = new StringBuilder();
      StringBuilder pcols = new StringBuilder();
      for (int i = 0; i < e.childColumns().size(); i++) {
        cols.append(i > 0 ? ", " : "").append(Identifiers.quote(e.childColumns().get(i)));
        pcols
            .append(i > 0 ? ", " : "")
            .append("p.")
            .append(Identifiers.quote(e.parentColumns().get(i)));
      }
      String rel = String.valueOf(number(e.parent()));
      String at = String.valueOf(level);
      String candidates =
          "(("
              + cols
              + ") IN (SELECT "
              + pcols
              + " FROM "
              + parentRows(e.parent(), rel, at)
              + " WHERE "
              + parentsAt(e.parent(), rel, at)
              + "))";
      return locking.lock(e.child(), candidates, ps::executeLargeUpdate);
    }
  }

  private List<RowClosure.Reached> counts() throws SQLException {
    // each row is in the key set once per kind, so what the statements added are the counts,
    // but for the rows to update that are deleted as well: they count as deleted
    Map<Integer, long[]> byNumber = new HashMap<>();
    addedRows.forEach((n, counts) -> byNumber.put(n, counts.clone()));
    leafCounts.forEach((n, rows) -> byNumber.put(n, new long[] {rows, 0}));
    if (byNumber.values().stream().anyMatch(counts -> counts[1] > 0)) {
      String sql =
          "SELECT u.rel, count(*) FROM "
              + RowClosure.ROWS
              + " u WHERE u.kind = 'u' AND EXISTS (SELECT 1 FROM "
              + RowClosure.ROWS
              + " d WHERE d.rel = u.rel AND d.kind = 'd' AND d.toid = u.toid AND d.tid = u.tid)"
              + " GROUP BY u.rel";
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery(sql)) {
        while (rs.next()) {
          byNumber.get(rs.getInt(1))[1] -= rs.getLong(2);
        }
      }
    }
    Set<TableName> selected =
        selection.conditions().stream()
            .map(RowSelection.Condition::table)
            .collect(Collectors.toSet());
    Map<TableName, RowClosure.Reached> out = new TreeMap<>();
    numbers.forEach(
        (t, n) -> {
          long[] counts = byNumber.getOrDefault(n, new long[2]);
          if (counts[0] > 0 || counts[1] > 0 || selected.contains(t)) {
            out.put(
                t,
                new RowClosure.Reached(
                    t,
                    counts[0],
                    counts[1],
                    paths.getOrDefault(t, List.of()),
                    selected.contains(t),
                    partitioned(t)));
          }
        });
    return List.copyOf(out.values());
  }
}

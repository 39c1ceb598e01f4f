package io.proddatareset.plan;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.Column;
import io.proddatareset.catalog.ForeignKey;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.SqlState;
import io.proddatareset.pg.Transactions;
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
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The rows a subset reset removes: the selected rows and, through the foreign keys and virtual
 * references, every row that depends on them, to a fixpoint. Rows reached through a {@code
 * CASCADE}, {@code NO ACTION} or {@code RESTRICT} key (or a virtual reference) are deleted, and
 * their own dependants followed in turn; rows reached through a {@code SET NULL} or {@code SET
 * DEFAULT} key are updated and not followed further. A row both deleted and updated counts as
 * deleted.
 *
 * <p><b>How.</b> The server computes it, set-based: the rows are kept as (table, {@code tableoid},
 * {@code ctid}) in one temporary key set, filled level by level with one {@code INSERT ... SELECT}
 * per edge and level (the new rows of the parent table joined to the child table on the key's
 * columns, those not in the set yet), until a level adds nothing. Java holds only counts, so memory
 * stays flat however many rows are reached. Equality joins give {@code MATCH SIMPLE}'s rule for
 * free (a key with a NULL column references nothing); cycles and self-references end because a row
 * already in the set is not added again.
 *
 * <p><b>Transaction.</b> {@link #compute} runs in a transaction of its own on the connection (which
 * must be in auto-commit mode): {@code REPEATABLE READ}, so every level reads one snapshot and the
 * {@code ctid}s stay valid; the temporary key set is created first, then the transaction is made
 * {@code READ ONLY} (a read-only transaction may still write to temporary tables), so the user's
 * conditions can change nothing; it is always rolled back, which drops the key set. Table locks:
 * {@code ACCESS SHARE} on the tables read, until the rollback. Temporary tables cannot be created
 * on a hot standby: there {@link #compute} fails.
 */
public final class RowClosure {
  private RowClosure() {}

  static final String ROWS = "pg_temp.pdr_closure_rows";

  /**
   * What the closure does to one table.
   *
   * @param deleteRows rows deleted
   * @param updateRows other rows updated (by {@code SET NULL} / {@code SET DEFAULT} keys)
   * @param path the keys by which the table is first reached from a selected table, from the
   *     selected table's side: empty for a table named in {@code --where}
   * @param selected whether the table is named in {@code --where}
   */
  public record Reached(
      TableName table, long deleteRows, long updateRows, List<ClosureEdge> path, boolean selected) {
    public Reached {
      path = List.copyOf(path);
    }

    /**
     * {@code public.projects -> public.tags (tags_project_id_fkey, ON DELETE CASCADE) -> ...}, for
     * refusals; the table itself for a selected one.
     */
    public String pathDisplay() {
      if (path.isEmpty()) {
        return table.display() + " (selected by --where)";
      }
      StringBuilder out = new StringBuilder(path.get(0).parent().display());
      for (ClosureEdge e : path) {
        out.append(" -> ").append(e.child().display()).append(" by ").append(e.display());
      }
      return out.toString();
    }
  }

  /**
   * @param tables every table with rows deleted or updated, by name
   * @param undeclared the undeclared references found, by child and column
   * @param levels how many levels the closure took to reach its fixpoint
   */
  public record Result(
      List<Reached> tables,
      List<UndeclaredReference> undeclared,
      int levels,
      Map<TableName, Integer> numbers) {
    public Result {
      tables = List.copyOf(tables);
      undeclared = List.copyOf(undeclared);
      numbers = Map.copyOf(numbers);
    }

    /**
     * After {@link #fill}, in its transaction: SQL text of a condition on {@code table}'s rows (in
     * a statement where {@code tableoid} and {@code ctid} are the table's own, unqualified) that
     * holds for the rows the closure deletes ({@code deleted}) or updates and does not delete (not
     * {@code deleted}). Holds for no row of a table the closure did not reach. It holds no user
     * input.
     */
    public String rowsCondition(TableName table, boolean deleted) {
      Integer n = numbers.get(table);
      if (n == null) {
        return "false";
      }
      String in = "(SELECT x.toid, x.tid FROM " + ROWS + " x WHERE x.rel = " + n;
      return deleted
          ? "(tableoid, ctid) IN " + in + " AND x.kind = 'd')"
          : "(tableoid, ctid) IN "
              + in
              + " AND x.kind = 'u') AND (tableoid, ctid) NOT IN "
              + in
              + " AND x.kind = 'd')";
    }

    public Optional<Reached> table(TableName name) {
      return tables.stream().filter(r -> r.table().equals(name)).findFirst();
    }

    /**
     * The tables among {@code names} whose rows the closure deletes or updates, by name: what a
     * refusal names when the closure reaches a kept table, each with its {@link
     * Reached#pathDisplay()}.
     */
    public List<Reached> touched(java.util.Collection<TableName> names) {
      return tables.stream()
          .filter(r -> r.deleteRows() > 0 || r.updateRows() > 0)
          .filter(r -> names.contains(r.table()))
          .toList();
    }
  }

  /**
   * How {@link #fill} runs its statements when the caller locks the rows as they are found: each
   * statement that adds rows to the key set then also locks them ({@code FOR UPDATE}), and is run
   * through {@link #lock}, which may retry it (after a rollback to a savepoint) until it succeeds.
   * A row the app changed meanwhile is locked, and added, in its newest version (under {@code READ
   * COMMITTED}, {@code FOR UPDATE} re-checks the statement on it); a row it deleted, or whose key
   * no longer matches, is not added. A parent's rows being locked before its children are looked
   * for, no child can be added to them through a declared key unseen (the insert's key check waits
   * for the lock), and the statement that looks for them, begun after the lock, sees every child
   * committed before.
   */
  public interface Locking {
    /**
     * Runs {@code statement}, which locks rows of {@code table}: {@code candidates} is SQL text of
     * a condition on {@code table}'s rows (unqualified) that holds for the rows it locks, to name
     * the sessions holding them; it may hold the user's condition (checked by the server before).
     *
     * @return what {@code statement} returned
     */
    long lock(TableName table, String candidates, Work statement) throws SQLException;

    /** A statement of the fill; it may be run again after a rollback to a savepoint. */
    @FunctionalInterface
    interface Work {
      long run() throws SQLException;
    }
  }

  /**
   * The edges the closure follows: every foreign key the catalog lists (the child may be in a
   * schema outside the scope) and every virtual reference.
   */
  public static List<ClosureEdge> edges(Catalog catalog, KeyDetails keys, RowSelection selection) {
    List<ClosureEdge> out = new ArrayList<>();
    for (ForeignKey fk : catalog.foreignKeys()) {
      out.add(ClosureEdge.of(fk, keys.rule(fk)));
    }
    for (RowSelection.VirtualReference r : selection.references()) {
      out.add(ClosureEdge.of(r));
    }
    return out;
  }

  /**
   * Computes the closure of {@code selection} (see the class comment for the transaction).
   *
   * @throws ExitException USAGE when the server refuses a condition while selecting (it writes, it
   *     fails on a row); FAILURE when the session cannot create the temporary key set (a hot
   *     standby, no TEMPORARY privilege)
   * @throws SQLException when another statement fails (the transaction is rolled back)
   */
  public static Result compute(
      Connection connection, Catalog catalog, KeyDetails keys, RowSelection selection)
      throws SQLException {
    if (selection.isEmpty()) {
      throw new IllegalArgumentException("no --where selection: nothing to close over");
    }
    return Transactions.rolledBack(
        connection,
        c -> {
          try (Statement st = c.createStatement()) {
            // first statement of the transaction: one snapshot for every level
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
          }
          return new Run(c, catalog, keys, selection, true).run();
        });
  }

  /**
   * Computes the closure in the caller's open transaction and leaves its key set there, in the
   * temporary table {@value #ROWS} (dropped at the transaction's end), for the caller's own
   * statements: {@link Result#rowsCondition} selects a table's rows in it. A second call in the
   * same transaction empties the key set and computes it again (what a reset does under its row
   * locks until the closure is stable). The caller chooses the isolation level; the transaction is
   * neither made read-only nor ended here.
   *
   * @throws ExitException as {@link #compute}
   * @throws SQLException when a statement fails (the transaction is then aborted: roll it back)
   */
  public static Result fill(
      Connection connection, Catalog catalog, KeyDetails keys, RowSelection selection)
      throws SQLException {
    return new Run(connection, catalog, keys, selection, false).run();
  }

  /**
   * As {@link #fill}, locking every row as it is added to the key set ({@code FOR UPDATE}) through
   * {@code locking} (see {@link Locking}): the key set then holds exactly the rows locked, in the
   * versions locked.
   */
  public static Result fill(
      Connection connection,
      Catalog catalog,
      KeyDetails keys,
      RowSelection selection,
      Locking locking)
      throws SQLException {
    if (selection.isEmpty()) {
      throw new IllegalArgumentException("no --where selection: nothing to close over");
    }
    if (connection.getAutoCommit()) {
      throw new IllegalStateException("fill runs in the caller's open transaction");
    }
    Run run = new Run(connection, catalog, keys, selection, false);
    run.locking = locking;
    return run.run();
  }

  /**
   * Whether the selected rows of the key set that {@link #fill} left in the caller's transaction
   * (its level 0, as {@code closure}) are exactly the rows the selection's conditions select now.
   * When {@link #fill} locked the rows as it found them (see {@link Locking}), this is all that can
   * have changed since: every row of the key set is locked, so no edge can reach a row that is not
   * in it (through a declared key), and a new row that matches a condition, or a row that no longer
   * does (a condition may read other tables), is what is left to look for.
   *
   * @throws SQLException when a statement fails (the transaction is then aborted: roll it back)
   */
  public static boolean selectionUnchanged(
      Connection connection,
      Catalog catalog,
      KeyDetails keys,
      RowSelection selection,
      Result closure)
      throws SQLException {
    return new Run(connection, catalog, keys, selection, false)
        .selectionUnchanged(closure.numbers());
  }

  /** One computation: the tables it met are numbered in the order met. */
  private static final class Run {
    private final Connection c;
    private final Catalog catalog;
    private final KeyDetails keys;
    private final RowSelection selection;
    private final List<ClosureEdge> edges;
    private final Map<TableName, Integer> numbers = new LinkedHashMap<>();
    private final Map<TableName, List<ClosureEdge>> paths = new HashMap<>();
    private long rows;
    // per table number: the rows added to delete, to update (the key set's own counts)
    private final Map<Integer, long[]> addedRows = new HashMap<>();
    private long analyzedRows;

    private final boolean readOnly;
    // null: the rows are not locked
    private Locking locking;

    Run(Connection c, Catalog catalog, KeyDetails keys, RowSelection selection, boolean readOnly) {
      this.c = c;
      this.readOnly = readOnly;
      this.catalog = catalog;
      this.keys = keys;
      this.selection = selection;
      this.edges = edges(catalog, keys, selection);
    }

    Result run() throws SQLException {
      try (Statement st = c.createStatement()) {
        try {
          st.execute(
              "CREATE TEMPORARY TABLE IF NOT EXISTS pdr_closure_rows (rel int NOT NULL, kind \"char\" NOT NULL,"
                  + " toid oid NOT NULL, tid tid NOT NULL, level int NOT NULL,"
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
        st.execute("TRUNCATE " + ROWS);
        st.execute(
            "CREATE INDEX IF NOT EXISTS pdr_closure_rows_level ON " + ROWS + " (rel, kind, level)");
        if (readOnly) {
          // from here on the user's conditions run: they can write nothing
          st.execute("SET TRANSACTION READ ONLY");
        }
      }
      Set<TableName> frontier = new LinkedHashSet<>();
      for (RowSelection.Condition condition : selection.conditions()) {
        paths.putIfAbsent(condition.table(), List.of());
        long added = select(condition);
        rows += added;
        addedRows.computeIfAbsent(number(condition.table()), n -> new long[2])[0] += added;
        if (added > 0) {
          frontier.add(condition.table());
        }
      }
      analyzeWhenGrown();
      int level = 0;
      while (!frontier.isEmpty()) {
        Set<TableName> next = new LinkedHashSet<>();
        for (TableName parent : frontier) {
          for (ClosureEdge e : edges) {
            if (!e.parent().equals(parent)) {
              continue;
            }
            long added = follow(e, level);
            rows += added;
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
        analyzeWhenGrown();
      }
      List<Reached> reached = counts();
      return new Result(reached, undeclared(reached), level, numbers);
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
                + ROWS
                + " x WHERE x.rel = ? AND x.kind = 'd' AND x.level = 0 AND x.toid = s.tableoid"
                + " AND x.tid = s.ctid)), (SELECT count(*) FROM "
                + ROWS
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
     * Gives the planner the key set's statistics whenever it has grown by half since the last time,
     * so that a level with many rows is joined by hash rather than by one scan of the child per
     * row: a temporary table is never analyzed by autovacuum, and without statistics the planner
     * takes it for nearly empty. Growing by half keeps a deep self-reference (a few rows per level)
     * to a logarithmic number of ANALYZEs.
     */
    private void analyzeWhenGrown() throws SQLException {
      if (rows > analyzedRows + analyzedRows / 2) {
        try (Statement st = c.createStatement()) {
          st.execute("ANALYZE " + ROWS);
        }
        analyzedRows = rows;
      }
    }

    private int number(TableName t) {
      return numbers.computeIfAbsent(t, x -> numbers.size());
    }

    /** The table in a FROM clause: its own rows (see {@link Table#sqlOwnRows}). */
    private String ownRows(TableName t) {
      Optional<Table> table = catalog.table(t);
      if (table.isPresent()) {
        return table.get().sqlOwnRows();
      }
      boolean partitioned = keys.table(t).map(KeyDetails.TableKey::partitioned).orElse(false);
      return partitioned ? t.sql() : "ONLY " + t.sql();
    }

    /**
     * Adds the rows the condition selects, at level 0. The table has no alias, as in {@link
     * ConditionCheck}: a condition may name its columns {@code users.email}.
     */
    private long select(RowSelection.Condition condition) throws SQLException {
      String sql =
          "INSERT INTO "
              + ROWS
              + " (rel, kind, toid, tid, level) SELECT ?, 'd', tableoid, ctid, 0 FROM "
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
        throw ExitException.usage(
            "The condition "
                + "'"
                + condition.text()
                + "' failed on the server: "
                + ExitException.firstLine(e.getMessage())
                + "; nothing was changed, correct the --where condition.");
      }
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
              + ROWS
              + " (rel, kind, toid, tid, level) SELECT ?, "
              + kind
              + ", c.tableoid, c.ctid, ? FROM "
              + ROWS
              + " r JOIN "
              + ownRows(e.parent())
              + " p ON p.tableoid = r.toid AND p.ctid = r.tid JOIN "
              + childRows
              + " c ON "
              + on
              + " WHERE r.rel = ? AND r.kind = 'd' AND r.level = ?"
              // a foreign key references a unique key: each child row joins one parent row at
              // most, so the rows not in the key set yet can simply be added (cheaper than ON
              // CONFLICT); a virtual reference's parent columns may repeat
              + (unique
                  ? " AND NOT EXISTS (SELECT 1 FROM "
                      + ROWS
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
        String candidates =
            "(("
                + cols
                + ") IN (SELECT "
                + pcols
                + " FROM "
                + ROWS
                + " r JOIN "
                + ownRows(e.parent())
                + " p ON p.tableoid = r.toid AND p.ctid = r.tid WHERE r.rel = "
                + number(e.parent())
                + " AND r.kind = 'd' AND r.level = "
                + level
                + "))";
        return locking.lock(e.child(), candidates, ps::executeLargeUpdate);
      }
    }

    private List<Reached> counts() throws SQLException {
      // each row is in the key set once per kind, so what the statements added are the counts,
      // but for the rows to update that are deleted as well: they count as deleted
      Map<Integer, long[]> byNumber = new HashMap<>();
      addedRows.forEach((n, counts) -> byNumber.put(n, counts.clone()));
      if (byNumber.values().stream().anyMatch(counts -> counts[1] > 0)) {
        String sql =
            "SELECT u.rel, count(*) FROM "
                + ROWS
                + " u WHERE u.kind = 'u' AND EXISTS (SELECT 1 FROM "
                + ROWS
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
      Map<TableName, Reached> out = new TreeMap<>();
      numbers.forEach(
          (t, n) -> {
            long[] counts = byNumber.getOrDefault(n, new long[2]);
            if (counts[0] > 0 || counts[1] > 0 || selected.contains(t)) {
              out.put(
                  t,
                  new Reached(
                      t,
                      counts[0],
                      counts[1],
                      paths.getOrDefault(t, List.of()),
                      selected.contains(t)));
            }
          });
      return List.copyOf(out.values());
    }

    private List<UndeclaredReference> undeclared(List<Reached> reached) throws SQLException {
      List<UndeclaredReference> out = new ArrayList<>();
      for (Reached r : reached) {
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
      String sql =
          "SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM "
              + ROWS
              + " x WHERE x.rel = ? AND x.kind = 'd' AND x.toid = t.tableoid AND x.tid = t.ctid))"
              + " FROM "
              + ownRows(child)
              + " t WHERE t."
              + Identifiers.quote(column)
              + " IN (SELECT p."
              + Identifiers.quote(pk)
              + " FROM "
              + ROWS
              + " r JOIN "
              + ownRows(parent)
              + " p ON p.tableoid = r.toid AND p.ctid = r.tid WHERE r.rel = ? AND r.kind = 'd')";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setInt(1, numbers.containsKey(child) ? numbers.get(child) : -1);
        ps.setInt(2, number(parent));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return new UndeclaredReference(child, column, parent, pk, rs.getLong(1), rs.getLong(2));
        }
      }
    }
  }
}

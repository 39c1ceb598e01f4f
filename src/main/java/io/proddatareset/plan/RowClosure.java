package io.proddatareset.plan;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.ForeignKey;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

  public static final String ROWS = "pg_temp.pdr_closure_rows";

  /**
   * What the closure does to one table.
   *
   * @param deleteRows rows deleted
   * @param updateRows other rows updated (by {@code SET NULL} / {@code SET DEFAULT} keys)
   * @param path the keys by which the table is first reached from a selected table, from the
   *     selected table's side: empty for a table named in {@code --where}
   * @param selected whether the table is named in {@code --where}
   * @param partitioned whether its rows are in its partitions (its key set's rows are then in
   *     several tables; else all in its own)
   */
  public record Reached(
      TableName table,
      long deleteRows,
      long updateRows,
      List<ClosureEdge> path,
      boolean selected,
      boolean partitioned) {
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
   * @param numbers each table met, by its number in the key set
   * @param leaves each leaf met ({@link ClosureLeaves}: its rows are not in the key set), with the
   *     condition that names its rows to delete
   */
  public record Result(
      List<Reached> tables,
      List<UndeclaredReference> undeclared,
      int levels,
      Map<TableName, Integer> numbers,
      Map<TableName, String> leaves) {
    public Result {
      tables = List.copyOf(tables);
      undeclared = List.copyOf(undeclared);
      numbers = Map.copyOf(numbers);
      leaves = Map.copyOf(leaves);
    }

    /**
     * Whether {@code table} is a leaf of the closure: nothing references it, and its rows to delete
     * are named by {@link #rowsCondition} from its parents' rows rather than by the key set.
     */
    public boolean leaf(TableName table) {
      return leaves.containsKey(table);
    }

    /**
     * After {@link #fill}, in its transaction: SQL text of a condition on {@code table}'s rows (in
     * a statement where {@code tableoid}, {@code ctid} and the table's columns are the table's own,
     * unqualified: the statement's only FROM item) that holds for the rows the closure deletes
     * ({@code deleted}) or updates and does not delete (not {@code deleted}). Holds for no row of a
     * table the closure did not reach. It holds no user input. Where it is a filter rather than
     * what the rows are fetched by, it may compare each row with a whole array of addresses: select
     * the rows by it, not test rows against it.
     */
    public String rowsCondition(TableName table, boolean deleted) {
      Integer n = numbers.get(table);
      if (n == null) {
        return "false";
      }
      if (leaf(table)) {
        // its rows that reference the deleted rows of its parents: all deleted, none updated
        return deleted ? leaves.get(table) : "false";
      }
      if (table(table).map(r -> !r.partitioned()).orElse(false)) {
        // an ordinary table: every row of its key set is in it (one tableoid), so the rows'
        // addresses alone name them, and the server fetches them by address (a TID scan) rather
        // than reading the whole table to join it with the key set
        String tids = "ctid = ANY (ARRAY(SELECT x.tid FROM " + ROWS + " x WHERE x.rel = " + n;
        return deleted
            ? tids + " AND x.kind = 'd'))"
            : tids
                + " AND x.kind = 'u' AND NOT EXISTS (SELECT 1 FROM "
                + ROWS
                + " y WHERE y.rel = "
                + n
                + " AND y.kind = 'd' AND y.toid = x.toid AND y.tid = x.tid)))";
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

    /**
     * Thrown by a {@link Work} that could not lock every row it looked for, because the app changed
     * or deleted some of them meanwhile: {@link #lock} lets go of what it locked (the rollback to
     * the savepoint) and runs it again, as after a lock timeout.
     */
    final class Moved extends SQLException {
      private static final long serialVersionUID = 1L;

      public Moved(String message) {
        super(message);
      }
    }
  }

  /**
   * {@code t} in a FROM clause or as a statement's target, its own rows: {@code ONLY t} for an
   * ordinary table (leaving out inheritance children), {@code t} for a partitioned one (its rows
   * are in its partitions). A table outside the catalog's schemas is known from {@code keys}.
   */
  public static String ownRows(Catalog catalog, KeyDetails keys, TableName t) {
    return partitioned(catalog, keys, t) ? t.sql() : "ONLY " + t.sql();
  }

  /** Whether {@code t}'s rows are in its partitions (else in its own heap). */
  static boolean partitioned(Catalog catalog, KeyDetails keys, TableName t) {
    return catalog
        .table(t)
        .map(io.proddatareset.catalog.Table::partitioned)
        .orElseGet(() -> keys.table(t).map(KeyDetails.TableKey::partitioned).orElse(false));
  }

  /**
   * SQL text that names a row of {@code t} by its primary key, {@code row(k1, k2)::text}, with the
   * columns qualified by {@code alias} (or not, when null); empty for a table without one.
   */
  public static Optional<String> rowKey(KeyDetails keys, TableName t, String alias) {
    List<String> pk = keys.table(t).map(KeyDetails.TableKey::primaryKey).orElse(List.of());
    if (pk.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder out = new StringBuilder("row(");
    for (int i = 0; i < pk.size(); i++) {
      out.append(i > 0 ? ", " : "");
      if (alias != null) {
        out.append(alias).append('.');
      }
      out.append(Identifiers.quote(pk.get(i)));
    }
    return Optional.of(out.append(")::text").toString());
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
          return new ClosureRun(c, catalog, keys, selection, true).run();
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
    return new ClosureRun(connection, catalog, keys, selection, false).run();
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
    Transactions.requireOpen(connection, "RowClosure.fill");
    ClosureRun run = new ClosureRun(connection, catalog, keys, selection, false);
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
    return new ClosureRun(connection, catalog, keys, selection, false)
        .selectionUnchanged(closure.numbers());
  }
}

package io.proddatareset.plan;

import io.proddatareset.Counts;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.QualifiedName;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The plan of a subset reset ({@link Policy#selects()}): the whole-table plan of the tables named
 * in {@code --reset} (every other table kept), with the closure of the selected rows, the refusal
 * of a closure that reaches a table named in {@code --keep} (or a migration-history table), the
 * undeclared references as warnings, and a plan id that covers the selection and the closure's
 * counts.
 */
final class SubsetPlanner {
  private SubsetPlanner() {}

  /** What is known before the closure: the catalog, the selection, the plan of whole tables. */
  private record Prepared(
      Catalog catalog,
      KeyDetails keys,
      RowSelection selection,
      Classification classification,
      Map<TableName, String> protectedTables,
      Map<TableName, String> missingPrivileges,
      ResetPlan base) {}

  /**
   * On a connection in auto-commit mode, in transactions of its own, none of which writes: (1) in a
   * {@code READ ONLY, REPEATABLE READ} transaction, the catalog, the names resolved (exit 2 for a
   * typo, with a suggestion), the row counts and the hazards of whole tables; (2) every condition
   * checked by the server ({@link ConditionCheck#check}, exit 2 with the server's message); (3) the
   * closure ({@link RowClosure#compute}: {@code REPEATABLE READ}, read-only, rolled back). The lock
   * timeout applies to each; the connection is left as it was.
   */
  static ResetPlan plan(Connection connection, Policy policy, PlanOptions options)
      throws SQLException {
    Prepared p = checked(connection, policy, options);
    RowClosure.Result closure =
        withLockTimeout(
            connection,
            options,
            () -> RowClosure.compute(connection, p.catalog(), p.keys(), p.selection()));
    List<PlanWarning> slow =
        UnindexedKeys.find(
            connection, closure, RowClosure.edges(p.catalog(), p.keys(), p.selection()));
    return assemble(p, closure, options, slow);
  }

  /**
   * Steps (1) and (2) of {@link #plan}, without the row counts: what {@link #inTransaction} needs
   * done first.
   */
  static void checkSelection(Connection connection, Policy policy) throws SQLException {
    checked(connection, policy, PlanOptions.estimates());
  }

  private static Prepared checked(Connection connection, Policy policy, PlanOptions options)
      throws SQLException {
    Prepared p =
        Transactions.readOnlySnapshot(
            connection,
            c -> {
              SessionSettings.pin(c, "lock_timeout", SessionSettings.millis(options.lockTimeout()));
              return prepare(c, CatalogReader.read(c, policy.schemas()), policy, options);
            });
    for (RowSelection.Condition condition : p.selection().conditions()) {
      ConditionCheck.check(
          connection, p.catalog().table(condition.table()).orElseThrow(), condition.sql());
    }
    return p;
  }

  /**
   * In the caller's open transaction (any isolation, read-write): the plan, with the closure
   * computed by {@link RowClosure#fill}, whose key set stays in the transaction for the caller's
   * statements. The conditions run here in the caller's transaction: the caller must have had them
   * checked first ({@link ConditionCheck#check} on a connection in auto-commit mode, as {@link
   * #plan} does), since this transaction is not read-only.
   */
  static ResetPlan inTransaction(
      Connection connection,
      Catalog catalog,
      Policy policy,
      PlanOptions options,
      RowClosure.Locking locking)
      throws SQLException {
    Prepared p = prepare(connection, catalog, policy, options);
    RowClosure.Result closure =
        RowClosure.fill(connection, catalog, p.keys(), p.selection(), locking);
    // the plan a row reset shows when it computes it only here, under its locks
    List<PlanWarning> slow =
        UnindexedKeys.find(connection, closure, RowClosure.edges(catalog, p.keys(), p.selection()));
    return assemble(p, closure, options, slow);
  }

  private interface Work<T> {
    T run() throws SQLException;
  }

  /** Runs {@code work} with the session's lock timeout set to the plan's, then sets it back. */
  private static <T> T withLockTimeout(Connection c, PlanOptions options, Work<T> work)
      throws SQLException {
    String before;
    try (PreparedStatement ps =
            c.prepareStatement("SELECT current_setting('lock_timeout'), set_config(?, ?, false)");
        ResultSet rs = setting(ps, options)) {
      rs.next();
      before = rs.getString(1);
    }
    try {
      return work.run();
    } finally {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT set_config('lock_timeout', ?, false)")) {
        ps.setString(1, before);
        ps.executeQuery().close();
      }
    }
  }

  private static ResultSet setting(PreparedStatement ps, PlanOptions options) throws SQLException {
    ps.setString(1, "lock_timeout");
    ps.setString(2, SessionSettings.millis(options.lockTimeout()));
    return ps.executeQuery();
  }

  private static Prepared prepare(Connection c, Catalog catalog, Policy policy, PlanOptions options)
      throws SQLException {
    // every name of --keep / --reset resolved (exit 2 for a typo) before the selection's names
    Classification named = Classifier.classify(catalog, policy);
    KeyDetails keys = KeyDetails.read(c);
    Set<TableName> reset = resolved(catalog, policy.reset());
    RowSelection selection = withWholeTables(policy.rows().resolve(catalog, keys), reset);
    Set<TableName> keep = resolved(catalog, policy.keep());
    Map<TableName, Classification.Decision> decisions = new TreeMap<>();
    Map<TableName, String> protectedTables = new TreeMap<>();
    for (TableName t : catalog.tableNames()) {
      Classification.Decision d = named.decisions().get(t);
      if (reset.contains(t)) {
        decisions.put(t, new Classification.Decision(Action.KEEP, SubsetPlan.EVERY_ROW));
      } else if (keep.contains(t) || MigrationTables.isMigrationTable(t.name())) {
        decisions.put(t, new Classification.Decision(Action.KEEP, d.reason()));
        protectedTables.put(t, d.reason());
      } else {
        decisions.put(t, new Classification.Decision(Action.KEEP, "not reached by --where"));
      }
    }
    Classification classification = new Classification(decisions);
    ResetPlan base = PlanService.planFromCatalog(c, catalog, policy, classification, options);
    return new Prepared(
        catalog, keys, selection, classification, protectedTables, missingPrivileges(c), base);
  }

  /**
   * {@code selection} with every row of each of {@code whole} selected too: with --where, a table
   * named in --reset goes as a whole through the same row reset (locked, backed up in the subset
   * backup, deleted children first, what depends on it through foreign keys with it), not by a
   * TRUNCATE beside it, so that one transaction, one backup and one restore cover both.
   */
  private static RowSelection withWholeTables(RowSelection selection, Set<TableName> whole) {
    if (whole.isEmpty()) {
      return selection;
    }
    List<RowSelection.Condition> conditions = new ArrayList<>(selection.conditions());
    for (TableName t : whole) {
      conditions.add(new RowSelection.Condition(t, "true", t.display() + ": true (--reset)", true));
    }
    return new RowSelection(conditions, selection.references(), selection.tenantKey());
  }

  /**
   * Per table the current user may not delete from or update, which of {@code DELETE, UPDATE} it
   * lacks (as "DELETE", "UPDATE" or "DELETE, UPDATE"); over every schema, since the closure may
   * reach tables outside those in scope.
   */
  private static Map<TableName, String> missingPrivileges(Connection c) throws SQLException {
    Map<TableName, String> out = new HashMap<>();
    String sql =
        "SELECT n.nspname, c.relname, pg_catalog.has_table_privilege(c.oid, 'DELETE'),"
            + " pg_catalog.has_table_privilege(c.oid, 'UPDATE')"
            + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog',"
            + " 'information_schema')"
            + " AND NOT (pg_catalog.has_table_privilege(c.oid, 'DELETE')"
            + " AND pg_catalog.has_table_privilege(c.oid, 'UPDATE'))";
    try (PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        List<String> lacks = new ArrayList<>();
        if (!rs.getBoolean(3)) {
          lacks.add("DELETE");
        }
        if (!rs.getBoolean(4)) {
          lacks.add("UPDATE");
        }
        out.put(new TableName(rs.getString(1), rs.getString(2)), String.join(", ", lacks));
      }
    }
    return out;
  }

  /** The tables named in {@code names}, which {@link Classifier#classify} has already checked. */
  private static Set<TableName> resolved(Catalog catalog, List<String> names) {
    Set<TableName> out = new TreeSet<>();
    List<String> errors = new ArrayList<>();
    for (String text : names) {
      Classifier.resolve(catalog, QualifiedName.parse(text), text, errors).ifPresent(out::add);
    }
    return out;
  }

  /** The plan; {@code slow}: the warnings about unindexed keys ({@link UnindexedKeys}). */
  private static ResetPlan assemble(
      Prepared p, RowClosure.Result closure, PlanOptions options, List<PlanWarning> slow) {
    SubsetPlan subset = new SubsetPlan(p.selection(), closure);
    ResetPlan base = p.base();
    Map<TableName, String> reasons = new HashMap<>();
    for (RowClosure.Reached r : closure.tables()) {
      if (r.deleteRows() > 0 || r.updateRows() > 0) {
        reasons.put(
            r.table(),
            r.selected()
                ? (p.selection().everyRow(r.table()) ? SubsetPlan.EVERY_ROW : "selected by --where")
                : "reached from " + r.path().get(0).parent().display());
      }
    }
    List<PlannedTable> tables = new ArrayList<>();
    for (PlannedTable t : base.tables()) {
      String reason = reasons.get(t.name());
      boolean replace =
          reason != null && t.action() == Action.KEEP && !p.protectedTables().containsKey(t.name());
      tables.add(
          replace
              ? new PlannedTable(
                  t.name(), t.action(), reason, t.rows(), t.rowsExact(), t.sizeBytes())
              : t);
    }
    List<Hazard> hazards = new ArrayList<>(base.hazards());
    for (RowClosure.Reached r : closure.touched(p.protectedTables().keySet())) {
      hazards.add(reachesKept(r, p.protectedTables().get(r.table())));
    }
    for (RowClosure.Reached r : closure.tables()) {
      if (p.classification().action(r.table()) == Action.RESET) {
        continue; // truncated whole: its own hazards say what TRUNCATE needs
      }
      String lacks = p.missingPrivileges().getOrDefault(r.table(), "");
      boolean delete = r.deleteRows() > 0 && lacks.contains("DELETE");
      boolean update = r.updateRows() > 0 && lacks.contains("UPDATE");
      if (delete || update) {
        hazards.add(noPrivilege(p.catalog(), r, delete, update));
      }
    }
    List<PlanWarning> warnings = new ArrayList<>();
    for (PlanWarning w : base.warnings()) {
      if (w.code() == PlanWarning.Code.NOTHING_TO_RESET) {
        continue; // the rows are what is reset
      }
      if (w.code() == PlanWarning.Code.ESTIMATED_ROWS) {
        warnings.add(
            new PlanWarning(
                PlanWarning.Code.ESTIMATED_ROWS,
                "Row counts of whole tables are the planner's estimates (--estimate); the rows"
                    + " the --where selection deletes and updates are exact counts.",
                List.of()));
        continue;
      }
      warnings.add(w);
    }
    if (subset.rowsToDelete() == 0) {
      warnings.add(
          new PlanWarning(
              PlanWarning.Code.NOTHING_SELECTED,
              "The --where selection matches no row: a reset would delete no row through it.",
              List.of()));
    }
    for (UndeclaredReference u : closure.undeclared()) {
      warnings.add(undeclared(u, tenantKeyHint(p.selection(), closure, u)));
    }
    warnings.addAll(RowTriggers.warnings(p.catalog(), closure));
    warnings.addAll(slow);
    return new ResetPlan(
        base.catalog(),
        base.policy(),
        tables,
        base.order(),
        hazards,
        warnings,
        base.exactRows(),
        PlanId.of(p.catalog(), p.classification(), subset),
        base.truncateBlockers(),
        subset);
  }

  private static Hazard noPrivilege(
      Catalog catalog, RowClosure.Reached r, boolean delete, boolean update) {
    String privileges = delete && update ? "DELETE and UPDATE" : delete ? "DELETE" : "UPDATE";
    String grant = delete && update ? "DELETE, UPDATE" : privileges;
    String owner = catalog.table(r.table()).map(t -> t.owner()).orElse("the table's owner");
    return new Hazard(
        Hazard.Code.NO_DELETE_PRIVILEGE,
        "User "
            + catalog.currentUser()
            + " lacks the "
            + privileges
            + " privilege on "
            + r.table().display()
            + ", whose rows the --where selection "
            + (delete && update ? "deletes and updates" : delete ? "deletes" : "updates")
            + " (reached by "
            + r.pathDisplay()
            + ").",
        "Connect as "
            + owner
            + ", or have it run: GRANT "
            + grant
            + " ON "
            + r.table().display()
            + " TO "
            + catalog.currentUser()
            + ".",
        List.of(r.table()));
  }

  private static Hazard reachesKept(RowClosure.Reached r, String why) {
    List<String> what = new ArrayList<>();
    if (r.deleteRows() > 0) {
      what.add("delete " + Counts.of(r.deleteRows(), "row"));
    }
    if (r.updateRows() > 0) {
      what.add("update " + Counts.of(r.updateRows(), "row"));
    }
    TableName t = r.table();
    return new Hazard(
        Hazard.Code.CLOSURE_REACHES_KEPT,
        "The --where selection reaches kept table "
            + t.display()
            + " ("
            + why
            + "): the reset would "
            + String.join(" and ", what)
            + " of it, by "
            + r.pathDisplay()
            + ".",
        "Remove "
            + t.display()
            + " from the kept tables if those rows should go with the selection, or narrow the"
            + " --where condition so that no row of "
            + t.display()
            + " depends on the selected rows.",
        r.path().isEmpty() ? List.of(t) : List.of(r.path().get(0).parent(), t));
  }

  /**
   * " (or --tenant-key COLUMN, for every table with that column)" when {@code u} points at the one
   * table of the selection and another undeclared column of the same name does too; else "".
   */
  private static String tenantKeyHint(
      RowSelection selection, RowClosure.Result closure, UndeclaredReference u) {
    boolean oneSelectedTable =
        selection.conditions().stream().map(RowSelection.Condition::table).distinct().count() == 1
            && selection.conditions().get(0).table().equals(u.parent());
    long sameColumn =
        closure.undeclared().stream()
            .filter(o -> o.parent().equals(u.parent()) && o.column().equals(u.column()))
            .count();
    return oneSelectedTable && sameColumn > 1 && selection.tenantKey() == null
        ? " (or --tenant-key "
            + Identifiers.display(u.column())
            + " for every table with that column)"
        : "";
  }

  private static PlanWarning undeclared(UndeclaredReference u, String hint) {
    long left = u.matchingRows() - u.alreadyDeleted();
    return new PlanWarning(
        PlanWarning.Code.UNDECLARED_REFERENCE,
        u.child().display()
            + "."
            + Identifiers.display(u.column())
            + " looks like a reference to "
            + u.parent().display()
            + "("
            + Identifiers.display(u.parentColumn())
            + ") but has no foreign key: "
            + Counts.of(left, "row")
            + " of "
            + u.child().display()
            + (left == 1 ? " holds" : " hold")
            + " the key of a deleted row and would stay; to delete "
            + (left == 1 ? "it" : "them")
            + " too, add "
            + u.referenceOption()
            + hint
            + ".",
        List.of(u.child(), u.parent()));
  }
}

package io.proddatareset.plan;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import io.proddatareset.pg.LockHolders;
import java.util.List;
import java.util.Optional;

/**
 * What a reset would do, computed by {@link PlanService} without changing anything.
 *
 * @param catalog the catalog the plan was computed from (columns, sequences, keys of every table)
 * @param policy the policy as given
 * @param tables every table in scope, sorted by name, with its action and row count
 * @param order the reset tables, children before parents (cycles grouped)
 * @param hazards reasons to refuse; empty when a reset may go ahead
 * @param warnings things to know that do not refuse
 * @param exactRows true for {@code count(*)} row counts, false for planner estimates
 * @param planId see {@link PlanId}
 * @param truncateBlockers the sessions that, when the plan was computed, held locks on reset tables
 *     that would keep the TRUNCATE's exclusive lock from being granted, in a transaction older than
 *     about a second or idle in one: a reset started now would give up on them (see {@link
 *     AppCost})
 * @param subset with {@code --where}: the selected rows and their closure; null for a whole-table
 *     plan. The plan then resets only the closure's rows and the tables named in {@code --reset}
 *     (its {@link #resetTables()}, truncated whole); every other table is kept, and {@link
 *     #keptTables()} leaves out the tables whose rows the closure deletes or updates.
 */
public record ResetPlan(
    Catalog catalog,
    Policy policy,
    List<PlannedTable> tables,
    TruncationOrder order,
    List<Hazard> hazards,
    List<PlanWarning> warnings,
    boolean exactRows,
    String planId,
    List<LockHolders.Holder> truncateBlockers,
    SubsetPlan subset) {

  public ResetPlan {
    tables = List.copyOf(tables);
    hazards = List.copyOf(hazards);
    warnings = List.copyOf(warnings);
    truncateBlockers = List.copyOf(truncateBlockers);
  }

  public String database() {
    return catalog.database();
  }

  public String serverVersion() {
    return catalog.serverVersion();
  }

  /** True when a hazard refuses the reset. */
  public boolean refused() {
    return !hazards.isEmpty();
  }

  /** The tables to reset, children before parents: the order to truncate in. */
  public List<TableName> resetTables() {
    return order.tables();
  }

  /**
   * The tables kept, sorted by name (unclassified tables are in neither list); with a subset,
   * without the tables whose rows it deletes or updates: the tables that stay exactly as they are.
   */
  public List<TableName> keptTables() {
    List<TableName> kept = tables(Action.KEEP);
    return subset == null ? kept : kept.stream().filter(t -> !subset.touches(t)).toList();
  }

  /** True for a plan with {@code --where}: a reset of rows. */
  public boolean isSubset() {
    return subset != null;
  }

  public List<TableName> tables(Action action) {
    return tables.stream().filter(t -> t.action() == action).map(PlannedTable::name).toList();
  }

  public Optional<PlannedTable> table(TableName name) {
    return tables.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** The sum of the row counts of the reset tables (unknown estimates count as 0). */
  public long rowsToReset() {
    return tables.stream()
        .filter(t -> t.action() == Action.RESET)
        .mapToLong(t -> Math.max(0, t.rows()))
        .sum();
  }
}

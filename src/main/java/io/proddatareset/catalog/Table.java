package io.proddatareset.catalog;

import java.util.List;

/**
 * An ordinary or partitioned table. Partitions are not tables of their own here: they are listed
 * under their root, and TRUNCATE, backup and restore of the root cover them.
 *
 * @param partitioned true for a partitioned table (relkind p)
 * @param partitions the partitions (all levels) of a partitioned table
 * @param sequences sequences owned by or used in defaults of this table's columns
 * @param triggers user triggers on the table or its partitions
 * @param canTruncate whether the current user holds TRUNCATE on it (and on its partitions)
 * @param estimatedRows the planner's row estimate (reltuples), -1 if never analyzed
 * @param sizeBytes total relation size including partitions, indexes and TOAST
 * @param publications logical-replication publications that include it (or one of its partitions),
 *     sorted; a TRUNCATE is replicated to their subscribers
 * @param canSelect whether the current user holds SELECT on it (needed to count, back up and check
 *     it)
 * @param inheritanceChildren tables that inherit from it by legacy inheritance ({@code INHERITS},
 *     not partitions), in any schema, sorted: a {@code TRUNCATE} of this table without {@code ONLY}
 *     empties them too, and {@code SELECT} from it includes their rows unless {@code ONLY} is used
 * @param rowSecurityActive whether a row-level security policy applies to the current user on it
 *     (or on one of its partitions): what the user reads of it is then only what the policy lets
 *     through ({@code row_security_active()})
 */
public record Table(
    TableName name,
    boolean partitioned,
    List<TableName> partitions,
    List<Column> columns,
    List<SequenceRef> sequences,
    List<Trigger> triggers,
    String owner,
    boolean canTruncate,
    long estimatedRows,
    long sizeBytes,
    List<String> publications,
    boolean canSelect,
    List<TableName> inheritanceChildren,
    boolean rowSecurityActive) {

  public Table {
    publications = List.copyOf(publications);
    inheritanceChildren = List.copyOf(inheritanceChildren);
    partitions = List.copyOf(partitions);
    columns = List.copyOf(columns);
    sequences = List.copyOf(sequences);
    triggers = List.copyOf(triggers);
  }

  /**
   * This table in a {@code SELECT}, {@code COPY (SELECT ...)} or {@code count(*)} that reads its
   * own rows only: {@code ONLY "s"."t"} for an ordinary table (leaving out inheritance children),
   * the plain name for a partitioned table (whose rows are all in its partitions).
   */
  public String sqlOwnRows() {
    return partitioned ? name.sql() : "ONLY " + name.sql();
  }

  /**
   * The user triggers that fire when the tool truncates this table (or its partitions): ON TRUNCATE
   * triggers whose state makes them fire in the tool's sessions (see {@link Trigger#enabled()});
   * disabled ones, and replica-only ones outside replica mode, are left out. The one rule for what
   * the plan warns about, the hazard check reads, and the reset announces.
   */
  public List<Trigger> firingTruncateTriggers() {
    return triggers.stream().filter(t -> t.onTruncate() && t.enabled()).toList();
  }

  /** The columns a backup writes and a restore loads: all but generated ones. */
  public List<Column> storedColumns() {
    return columns.stream().filter(c -> !c.generated()).toList();
  }
}

package io.proddatareset.catalog;

/**
 * A relation in the schemas in scope that is not a table of its own for this tool: a view, a
 * materialized view, a foreign table, a sequence, or a partition (whose rows belong to its root).
 * Known so that a name given as a table can be told for what it is.
 *
 * @param partitionOf the root table of a partition, null for the other kinds
 */
public record OtherRelation(TableName name, Kind kind, TableName partitionOf) {

  /** What kind of relation it is. */
  public enum Kind {
    VIEW,
    MATERIALIZED_VIEW,
    FOREIGN_TABLE,
    SEQUENCE,
    PARTITION
  }
}

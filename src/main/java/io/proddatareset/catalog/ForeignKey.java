package io.proddatareset.catalog;

import java.util.List;

/**
 * A foreign key from {@code child(childColumns)} to {@code parent(parentColumns)}. For a constraint
 * declared on a partition, {@code child} is the partition's root table, since partitions belong to
 * their parent; {@code declaredOn} names where it is declared.
 */
public record ForeignKey(
    String name,
    TableName child,
    List<String> childColumns,
    TableName parent,
    List<String> parentColumns,
    boolean deferrable,
    boolean initiallyDeferred,
    TableName declaredOn,
    String definition) {

  public ForeignKey {
    childColumns = List.copyOf(childColumns);
    parentColumns = List.copyOf(parentColumns);
  }

  public boolean selfReference() {
    return child.equals(parent);
  }
}

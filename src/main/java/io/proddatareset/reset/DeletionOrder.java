package io.proddatareset.reset;

import io.proddatareset.catalog.ForeignKeyGraph;
import io.proddatareset.catalog.TableName;
import io.proddatareset.plan.ClosureEdge;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The order of a row reset's deletes: the tables with deleted rows in groups, children first, along
 * every edge between them (foreign keys of any rule, virtual references), so that no delete leaves
 * a row pointing at a deleted one and the server's own {@code ON DELETE} actions find nothing left
 * to do. A group is a strongly connected component: one table, or the tables of a cycle (deleted in
 * one statement).
 */
final class DeletionOrder {
  private DeletionOrder() {}

  /**
   * Tarjan's algorithm over parent-to-child edges finishes a component only after every component
   * it reaches (its children): its output is children first.
   */
  static List<List<TableName>> of(List<TableName> tables, List<ClosureEdge> edges) {
    Map<TableName, Set<TableName>> children = new HashMap<>();
    for (TableName table : tables) {
      children.put(table, new LinkedHashSet<>());
    }
    for (ClosureEdge e : edges) {
      if (children.containsKey(e.parent()) && children.containsKey(e.child())) {
        children.get(e.parent()).add(e.child());
      }
    }
    return ForeignKeyGraph.components(tables, children);
  }
}

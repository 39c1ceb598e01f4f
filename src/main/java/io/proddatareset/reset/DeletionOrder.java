package io.proddatareset.reset;

import io.proddatareset.catalog.TableName;
import io.proddatareset.plan.ClosureEdge;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
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
    return new Tarjan(children).components(tables);
  }

  /**
   * Tarjan's strongly connected components, recursive: the graph is the tables, a few hundred at
   * most.
   */
  private static final class Tarjan {
    private final Map<TableName, Set<TableName>> children;
    private final Map<TableName, Integer> index = new HashMap<>();
    private final Map<TableName, Integer> low = new HashMap<>();
    private final Deque<TableName> stack = new ArrayDeque<>();
    private final Set<TableName> onStack = new LinkedHashSet<>();
    private final List<List<TableName>> out = new ArrayList<>();

    Tarjan(Map<TableName, Set<TableName>> children) {
      this.children = children;
    }

    List<List<TableName>> components(List<TableName> tables) {
      for (TableName t : tables) {
        if (!index.containsKey(t)) {
          visit(t);
        }
      }
      return out;
    }

    private void visit(TableName v) {
      index.put(v, index.size());
      low.put(v, index.get(v));
      stack.push(v);
      onStack.add(v);
      for (TableName w : children.get(v)) {
        if (!index.containsKey(w)) {
          visit(w);
          low.put(v, Math.min(low.get(v), low.get(w)));
        } else if (onStack.contains(w)) {
          low.put(v, Math.min(low.get(v), index.get(w)));
        }
      }
      if (low.get(v).equals(index.get(v))) {
        List<TableName> component = new ArrayList<>();
        TableName w;
        do {
          w = stack.pop();
          onStack.remove(w);
          component.add(0, w);
        } while (!w.equals(v));
        out.add(List.copyOf(component));
      }
    }
  }
}

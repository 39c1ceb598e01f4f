package io.proddatareset.catalog;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The foreign-key graph over a set of tables: an edge runs from each child table to the parent it
 * references. Only foreign keys with both ends in the set are edges; a self-reference is an edge
 * from a table to itself. Immutable; iteration orders are sorted by name, so everything derived
 * from it is deterministic.
 */
public final class ForeignKeyGraph {
  private final SortedSet<TableName> tables;
  private final List<ForeignKey> foreignKeys;
  private final Map<TableName, SortedSet<TableName>> parents = new TreeMap<>();

  private ForeignKeyGraph(Collection<TableName> tables, Collection<ForeignKey> foreignKeys) {
    this.tables = Collections.unmodifiableSortedSet(new TreeSet<>(tables));
    this.foreignKeys =
        foreignKeys.stream()
            .filter(fk -> this.tables.contains(fk.child()) && this.tables.contains(fk.parent()))
            .toList();
    for (TableName t : this.tables) {
      parents.put(t, new TreeSet<>());
    }
    for (ForeignKey fk : this.foreignKeys) {
      parents.get(fk.child()).add(fk.parent());
    }
  }

  /** The graph over every table of the catalog. */
  public static ForeignKeyGraph of(Catalog catalog) {
    return new ForeignKeyGraph(catalog.tableNames(), catalog.foreignKeys());
  }

  /** The graph over {@code tables}, with the foreign keys among them. */
  public static ForeignKeyGraph of(Collection<TableName> tables, Collection<ForeignKey> keys) {
    return new ForeignKeyGraph(tables, keys);
  }

  /** The same graph restricted to {@code subset} (tables not in this graph are ignored). */
  public ForeignKeyGraph restrictTo(Collection<TableName> subset) {
    List<TableName> kept = subset.stream().filter(tables::contains).toList();
    return new ForeignKeyGraph(kept, foreignKeys);
  }

  public SortedSet<TableName> tables() {
    return tables;
  }

  /** The foreign keys with both ends in this graph, sorted by child, then name. */
  public List<ForeignKey> foreignKeys() {
    return foreignKeys;
  }

  /**
   * The strongly connected components (Tarjan's algorithm, iterative so a long chain of tables
   * cannot overflow the stack). Each component's tables are sorted; a component of several tables
   * is a foreign-key cycle, a single table is a cycle only if it references itself.
   */
  public List<List<TableName>> stronglyConnectedComponents() {
    return components(tables, parents);
  }

  /**
   * The strongly connected components of the graph whose edges run from each of {@code nodes} to
   * the nodes {@code edges} maps it to (iterative Tarjan), in the order they are finished: a
   * component comes after every component it reaches. Each component's tables are sorted.
   */
  public static List<List<TableName>> components(
      Collection<TableName> nodes, Map<TableName, ? extends Collection<TableName>> edges) {
    return new Tarjan(nodes, edges).components();
  }

  /** One run of Tarjan's algorithm. */
  private static final class Tarjan {
    private final Collection<TableName> nodes;
    private final Map<TableName, ? extends Collection<TableName>> edges;
    private final Map<TableName, Integer> index = new HashMap<>();
    private final Map<TableName, Integer> low = new HashMap<>();
    private final Set<TableName> onStack = new HashSet<>();
    private final Deque<TableName> stack = new ArrayDeque<>();
    // each frame: the node and an iterator over its parents
    private final Deque<Map.Entry<TableName, Iterator<TableName>>> frames = new ArrayDeque<>();
    private final List<List<TableName>> components = new ArrayList<>();

    Tarjan(Collection<TableName> nodes, Map<TableName, ? extends Collection<TableName>> edges) {
      this.nodes = nodes;
      this.edges = edges;
    }

    List<List<TableName>> components() {
      for (TableName start : nodes) {
        if (index.containsKey(start)) {
          continue;
        }
        enter(start);
        while (!frames.isEmpty()) {
          step();
        }
      }
      return components;
    }

    private void enter(TableName v) {
      int n = index.size();
      index.put(v, n);
      low.put(v, n);
      stack.push(v);
      onStack.add(v);
      Collection<TableName> out = edges.get(v);
      frames.push(Map.entry(v, out == null ? List.<TableName>of().iterator() : out.iterator()));
    }

    private void step() {
      TableName v = frames.peek().getKey();
      Iterator<TableName> next = frames.peek().getValue();
      if (next.hasNext()) {
        TableName w = next.next();
        if (!index.containsKey(w)) {
          enter(w);
        } else if (onStack.contains(w)) {
          low.put(v, Math.min(low.get(v), index.get(w)));
        }
        return;
      }
      frames.pop();
      if (!frames.isEmpty()) {
        TableName caller = frames.peek().getKey();
        low.put(caller, Math.min(low.get(caller), low.get(v)));
      }
      if (low.get(v).equals(index.get(v))) {
        List<TableName> component = new ArrayList<>();
        TableName w;
        do {
          w = stack.pop();
          onStack.remove(w);
          component.add(w);
        } while (!w.equals(v));
        component.sort(null);
        components.add(List.copyOf(component));
      }
    }
  }
}

package io.proddatareset.catalog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;

/**
 * A leaf-first order of tables: every table comes before the tables it references (children before
 * parents), which is the order the seed truncates in and the reverse of a safe load order.
 *
 * <p>Tables that reference each other in a cycle, or a table that references itself, cannot be put
 * in such an order one by one; they form one {@link Group} with {@code cycle() == true}, and the
 * group as a whole comes before its parents. (A single TRUNCATE statement naming all of them is
 * unaffected by cycles; a load must relax the cycle's constraints.)
 *
 * <p>The order is deterministic: among groups that may come next, the one whose first table sorts
 * first by schema and name is taken.
 */
public record TruncationOrder(List<Group> groups) {

  public TruncationOrder {
    groups = List.copyOf(groups);
  }

  /**
   * One step of the order: a single table, or the tables of one foreign-key cycle.
   *
   * @param tables sorted by name
   * @param cycle true when the tables reference each other (several tables) or a single table
   *     references itself
   * @param cycleKeys the foreign keys inside the group (the ones a load must relax)
   */
  public record Group(List<TableName> tables, boolean cycle, List<ForeignKey> cycleKeys) {
    public Group {
      tables = List.copyOf(tables);
      cycleKeys = List.copyOf(cycleKeys);
    }

    /** True for one table that references itself. */
    public boolean selfReference() {
      return cycle && tables.size() == 1;
    }
  }

  /** Children before parents. */
  public static TruncationOrder leafFirst(ForeignKeyGraph graph) {
    return order(graph, true);
  }

  /** Parents before children: the order to load tables in. */
  public static TruncationOrder parentsFirst(ForeignKeyGraph graph) {
    return order(graph, false);
  }

  /** Every table, in order (the tables of a group are adjacent and sorted by name). */
  public List<TableName> tables() {
    return groups.stream().flatMap(g -> g.tables().stream()).toList();
  }

  /** The groups that are cycles (including self-references). */
  public List<Group> cycles() {
    return groups.stream().filter(Group::cycle).toList();
  }

  private static TruncationOrder order(ForeignKeyGraph graph, boolean leafFirst) {
    List<List<TableName>> components = graph.stronglyConnectedComponents();
    Map<TableName, Integer> componentOf = new HashMap<>();
    for (int i = 0; i < components.size(); i++) {
      for (TableName t : components.get(i)) {
        componentOf.put(t, i);
      }
    }
    // edges between components; "blockers" of a component must be emitted before it
    List<Set<Integer>> blockers = new ArrayList<>();
    List<Set<Integer>> unblocks = new ArrayList<>();
    for (int i = 0; i < components.size(); i++) {
      blockers.add(new TreeSet<>());
      unblocks.add(new TreeSet<>());
    }
    List<List<ForeignKey>> inner = new ArrayList<>();
    for (int i = 0; i < components.size(); i++) {
      inner.add(new ArrayList<>());
    }
    for (ForeignKey fk : graph.foreignKeys()) {
      int child = componentOf.get(fk.child());
      int parent = componentOf.get(fk.parent());
      if (child == parent) {
        inner.get(child).add(fk);
        continue;
      }
      // leaf-first: the child's group precedes the parent's; parents-first: the reverse
      int before = leafFirst ? child : parent;
      int after = leafFirst ? parent : child;
      blockers.get(after).add(before);
      unblocks.get(before).add(after);
    }
    int[] pending = new int[components.size()];
    PriorityQueue<Integer> ready =
        new PriorityQueue<>((a, b) -> components.get(a).get(0).compareTo(components.get(b).get(0)));
    for (int i = 0; i < components.size(); i++) {
      pending[i] = blockers.get(i).size();
      if (pending[i] == 0) {
        ready.add(i);
      }
    }
    List<Group> groups = new ArrayList<>();
    while (!ready.isEmpty()) {
      int c = ready.poll();
      List<TableName> tables = components.get(c);
      boolean cycle = tables.size() > 1 || !inner.get(c).isEmpty();
      groups.add(new Group(tables, cycle, inner.get(c)));
      for (int next : unblocks.get(c)) {
        if (--pending[next] == 0) {
          ready.add(next);
        }
      }
    }
    if (groups.size() != components.size()) {
      // cannot happen: the components of a graph form a DAG
      throw new IllegalStateException("foreign-key components do not form a DAG");
    }
    return new TruncationOrder(Collections.unmodifiableList(groups));
  }
}

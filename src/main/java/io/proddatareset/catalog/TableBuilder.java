package io.proddatareset.catalog;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Collects the rows that {@link CatalogReader} reads about one {@link Table}. */
final class TableBuilder {
  /** One row of pg_class: a root table or one of its partitions. */
  record Relation(
      TableName name,
      boolean partitioned,
      String owner,
      boolean canTruncate,
      double reltuples,
      long relpages,
      long sizeBytes,
      boolean canSelect,
      boolean rowSecurityActive) {

    /** The planner's estimate, or -1 when the relation was never analyzed or vacuumed. */
    long estimate() {
      // PostgreSQL 14+ stores -1 for "unknown"; 13 stores 0 with relpages 0
      if (reltuples < 0 || (reltuples == 0 && relpages == 0)) {
        return -1;
      }
      return Math.round(reltuples);
    }
  }

  Relation root;
  final List<Relation> partitions = new ArrayList<>();
  final List<Column> columns = new ArrayList<>();
  final Set<SequenceRef> sequences = new LinkedHashSet<>();
  final List<Trigger> triggers = new ArrayList<>();
  final Set<String> publications = new TreeSet<>();
  final Set<TableName> inheritanceChildren = new TreeSet<>();
  TableName name;

  void root(Relation r) {
    root = r;
    name = r.name();
  }

  void partition(Relation r) {
    partitions.add(r);
  }

  Table build() {
    boolean canTruncate = root.canTruncate();
    boolean rowSecurity = root.rowSecurityActive();
    long size = root.sizeBytes();
    long estimate = -1;
    List<Relation> leaves = new ArrayList<>();
    if (root.partitioned()) {
      for (Relation p : partitions) {
        canTruncate &= p.canTruncate();
        rowSecurity |= p.rowSecurityActive();
        size += p.sizeBytes();
        if (!p.partitioned()) {
          leaves.add(p);
        }
      }
      for (Relation leaf : leaves) {
        long e = leaf.estimate();
        if (e >= 0) {
          estimate = Math.max(estimate, 0) + e;
        }
      }
    } else {
      estimate = root.estimate();
    }
    List<SequenceRef> seqs = new ArrayList<>(sequences);
    seqs.sort(
        Comparator.comparing(SequenceRef::column)
            .thenComparing(SequenceRef::schema)
            .thenComparing(SequenceRef::name));
    List<Trigger> trigs = new ArrayList<>(triggers);
    trigs.sort(Comparator.comparing(Trigger::name));
    Map<String, Boolean> seen = new LinkedHashMap<>();
    trigs.removeIf(t -> seen.put(t.name() + "\0" + t.function(), true) != null);
    return new Table(
        name,
        root.partitioned(),
        partitions.stream().map(Relation::name).sorted().toList(),
        columns,
        seqs,
        trigs,
        root.owner(),
        canTruncate,
        estimate,
        size,
        List.copyOf(publications),
        root.canSelect(),
        List.copyOf(inheritanceChildren),
        rowSecurity);
  }
}

package io.proddatareset.catalog;

import java.util.List;

/**
 * A materialized view that reads tables in scope, directly or through ordinary views. A reset
 * leaves its stored rows stale until the next {@code REFRESH MATERIALIZED VIEW}.
 *
 * @param reads the tables in scope it reads (partitions mapped to their root), sorted
 * @param populated false for a view created {@code WITH NO DATA} and never refreshed
 */
public record MaterializedView(TableName name, boolean populated, List<TableName> reads) {
  public MaterializedView {
    reads = List.copyOf(reads);
  }
}

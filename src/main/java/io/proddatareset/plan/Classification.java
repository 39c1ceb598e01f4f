package io.proddatareset.plan;

import io.proddatareset.catalog.TableName;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The action for every table in scope, with the reason, as {@link Classifier} derived it from a
 * {@link Policy}.
 */
public record Classification(Map<TableName, Decision> decisions) {

  /** The action for one table and why, e.g. "named in --keep", "migration history". */
  public record Decision(Action action, String reason) {}

  public Classification {
    decisions = Collections.unmodifiableMap(new TreeMap<>(decisions));
  }

  public List<TableName> tables(Action action) {
    return decisions.entrySet().stream()
        .filter(e -> e.getValue().action() == action)
        .map(Map.Entry::getKey)
        .toList();
  }

  public Action action(TableName table) {
    Decision d = decisions.get(table);
    return d == null ? null : d.action();
  }
}

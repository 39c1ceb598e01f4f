package io.proddatareset.plan;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.OtherRelation;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.QualifiedName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Applies a {@link Policy} to a {@link Catalog}: matches every name exactly against the tables in
 * scope and decides each table's action (see {@link Policy} for the rules).
 *
 * <p>A name that matches no table is a usage error (exit 2) that says what the name is when it
 * names a view, a materialized view, a partition and so on, and otherwise suggests the closest
 * table names (every table that differs only in case), so that {@code --keep usres} can never
 * silently reset {@code users}; all such names are reported at once.
 */
public final class Classifier {
  private Classifier() {}

  public static Classification classify(Catalog catalog, Policy policy) {
    checkSchemas(catalog);
    PolicyWords words = new PolicyWords(policy);
    List<String> errors = new ArrayList<>();
    Map<TableName, String> keep = resolveAll(catalog, policy.keep(), true, words, errors);
    Map<TableName, String> reset = resolveAll(catalog, policy.reset(), false, words, errors);
    keep.forEach(
        (t, keepText) -> {
          String resetText = reset.get(t);
          if (resetText != null) {
            errors.add(
                t.display()
                    + " is "
                    + words.both(keepText, resetText)
                    + ": "
                    + words.bothRemedy(keepText, resetText));
          }
        });
    if (!errors.isEmpty()) {
      throw ExitException.usage(String.join("; ", errors) + ".");
    }
    boolean keepGiven = policy.keepGiven();
    boolean resetGiven = policy.resetGiven();
    Map<TableName, Classification.Decision> decisions = new TreeMap<>();
    for (TableName t : catalog.tableNames()) {
      decisions.put(t, decide(t, keep, reset, keepGiven, resetGiven, words));
    }
    return new Classification(decisions);
  }

  private static Classification.Decision decide(
      TableName t,
      Map<TableName, String> keep,
      Map<TableName, String> reset,
      boolean keepGiven,
      boolean resetGiven,
      PolicyWords words) {
    if (reset.containsKey(t)) {
      return new Classification.Decision(Action.RESET, words.named(false, reset.get(t)));
    }
    if (keep.containsKey(t)) {
      return new Classification.Decision(Action.KEEP, words.named(true, keep.get(t)));
    }
    if (MigrationTables.isMigrationTable(t.name())) {
      return new Classification.Decision(Action.KEEP, words.migrationHistory());
    }
    if (keepGiven && !resetGiven) {
      return new Classification.Decision(Action.RESET, words.notNamed(true));
    }
    if (resetGiven && !keepGiven) {
      return new Classification.Decision(Action.KEEP, words.notNamed(false));
    }
    if (keepGiven) {
      return new Classification.Decision(Action.UNCLASSIFIED, words.neither());
    }
    return new Classification.Decision(Action.UNCLASSIFIED, "no --keep or --reset given");
  }

  private static void checkSchemas(Catalog catalog) {
    List<String> errors = new ArrayList<>();
    for (String schema : catalog.schemas()) {
      if (!catalog.availableSchemas().contains(schema)) {
        String hint =
            Suggestions.closest(schema, catalog.availableSchemas())
                .map(s -> ": did you mean " + Identifiers.display(s) + "?")
                .orElse(": the schemas are " + String.join(", ", catalog.availableSchemas()));
        errors.add("--schema " + schema + " names no schema in " + catalog.database() + hint);
      }
    }
    if (!errors.isEmpty()) {
      throw ExitException.usage(String.join("; ", errors));
    }
  }

  /** Each table named in {@code names}, with the first text that named it. */
  private static Map<TableName, String> resolveAll(
      Catalog catalog,
      List<String> names,
      boolean keepList,
      PolicyWords words,
      List<String> errors) {
    Map<TableName, String> out = new LinkedHashMap<>();
    for (String text : names) {
      String entry = words.entry(keepList, text);
      QualifiedName q;
      try {
        q = QualifiedName.parse(text);
      } catch (ExitException e) {
        errors.add(entry + ": " + e.getMessage());
        continue;
      }
      resolve(catalog, q, entry, errors).ifPresent(t -> out.putIfAbsent(t, text));
    }
    return out;
  }

  static Optional<TableName> resolve(
      Catalog catalog, QualifiedName q, String entry, List<String> errors) {
    if (q.schema() != null) {
      if (!catalog.schemas().contains(q.schema())) {
        errors.add(
            entry
                + ": schema "
                + Identifiers.display(q.schema())
                + " is not in scope ("
                + String.join(", ", catalog.schemas())
                + "); add --schema "
                + Identifiers.display(q.schema()));
        return Optional.empty();
      }
      TableName t = new TableName(q.schema(), q.name());
      if (catalog.table(t).isPresent()) {
        return Optional.of(t);
      }
    } else {
      List<TableName> matches =
          catalog.tableNames().stream().filter(t -> t.name().equals(q.name())).toList();
      if (matches.size() == 1) {
        return Optional.of(matches.get(0));
      }
      if (matches.size() > 1) {
        errors.add(
            entry
                + " is ambiguous: it names "
                + String.join(" and ", matches.stream().map(TableName::display).toList())
                + "; qualify it with its schema");
        return Optional.empty();
      }
    }
    List<OtherRelation> others =
        catalog.otherRelations().stream()
            .filter(o -> o.name().name().equals(q.name()))
            .filter(o -> q.schema() == null || o.name().schema().equals(q.schema()))
            .toList();
    if (!others.isEmpty()) {
      errors.add(
          entry
              + ": "
              + String.join("; ", others.stream().map(o -> whatItIs(catalog, o)).toList()));
      return Optional.empty();
    }
    errors.add(entry + " names no table in scope" + suggestion(catalog, q));
    return Optional.empty();
  }

  /** "public.v_events is a view, not a table: views hold no rows to reset", and so on. */
  private static String whatItIs(Catalog catalog, OtherRelation o) {
    String name = o.name().display();
    return switch (o.kind()) {
      case VIEW -> name + " is a view, not a table: views hold no rows to reset";
      case MATERIALIZED_VIEW ->
          name
              + " is a materialized view, not a table: a reset does not empty it (REFRESH"
              + " MATERIALIZED VIEW "
              + name
              + " recomputes it from its tables)";
      case FOREIGN_TABLE ->
          name
              + " is a foreign table: its rows live on another server and are not reset from"
              + " here";
      case SEQUENCE ->
          name
              + " is a sequence, not a table: a reset table's sequences go with it (see"
              + " --restart-identity)";
      case PARTITION -> {
        TableName root = o.partitionOf();
        String hint =
            catalog.schemas().contains(root.schema())
                ? ": name " + root.display()
                : ": name "
                    + root.display()
                    + " (add --schema "
                    + Identifiers.display(root.schema())
                    + ")";
        yield name
            + " is a partition of "
            + root.display()
            + hint
            + ", whose reset covers all its partitions";
      }
    };
  }

  private static String suggestion(Catalog catalog, QualifiedName q) {
    boolean qualify = q.schema() != null || catalog.schemas().size() > 1;
    List<TableName> candidates =
        catalog.tableNames().stream()
            .filter(t -> q.schema() == null || q.schema().equals(t.schema()))
            .toList();
    List<TableName> twins =
        candidates.stream()
            .filter(
                t -> t.name().toLowerCase(Locale.ROOT).equals(q.name().toLowerCase(Locale.ROOT)))
            .toList();
    if (!twins.isEmpty()) {
      return ": did you mean "
          + orList(twins.stream().map(t -> shown(t, qualify)).toList())
          + "? (names match exactly, case included)";
    }
    Map<String, TableName> byText = new TreeMap<>();
    for (TableName t : candidates) {
      byText.put(t.name(), t);
    }
    return Suggestions.closest(q.name(), byText.keySet())
        .map(byText::get)
        .map(t -> ": did you mean " + shown(t, qualify) + "?")
        .orElse(
            catalog.tables().size() <= 30
                ? ": the tables are "
                    + String.join(
                        ", ", catalog.tableNames().stream().map(t -> shown(t, qualify)).toList())
                : ": run 'prod-data-reset schema' to list the tables");
  }

  private static String shown(TableName t, boolean qualify) {
    return qualify ? t.display() : Identifiers.display(t.name());
  }

  /** "a", "a or b", "a, b or c". */
  private static String orList(List<String> items) {
    if (items.size() == 1) {
      return items.get(0);
    }
    return String.join(", ", items.subList(0, items.size() - 1))
        + " or "
        + items.get(items.size() - 1);
  }
}

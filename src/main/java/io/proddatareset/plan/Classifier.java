package io.proddatareset.plan;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.Identifiers;
import io.proddatareset.catalog.TableName;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Applies a {@link Policy} to a {@link Catalog}: matches every name exactly against the tables in
 * scope and decides each table's action (see {@link Policy} for the rules).
 *
 * <p>A name that matches no table is a usage error (exit 2) that suggests the closest name, so that
 * {@code --keep usres} can never silently reset {@code users}; all such names are reported at once.
 */
public final class Classifier {
  private Classifier() {}

  public static Classification classify(Catalog catalog, Policy policy) {
    checkSchemas(catalog);
    List<String> errors = new ArrayList<>();
    Set<TableName> keep = resolveAll(catalog, policy.keep(), "--keep", errors);
    Set<TableName> reset = resolveAll(catalog, policy.reset(), "--reset", errors);
    for (TableName t : keep) {
      if (reset.contains(t)) {
        errors.add(t.display() + " is named in both --keep and --reset: name it in one list only");
      }
    }
    if (!errors.isEmpty()) {
      throw ExitException.usage(String.join("; ", errors) + ".");
    }
    boolean keepGiven = !policy.keep().isEmpty();
    boolean resetGiven = !policy.reset().isEmpty();
    Map<TableName, Classification.Decision> decisions = new TreeMap<>();
    for (TableName t : catalog.tableNames()) {
      decisions.put(t, decide(t, keep, reset, keepGiven, resetGiven));
    }
    return new Classification(decisions);
  }

  private static Classification.Decision decide(
      TableName t,
      Set<TableName> keep,
      Set<TableName> reset,
      boolean keepGiven,
      boolean resetGiven) {
    if (reset.contains(t)) {
      return new Classification.Decision(Action.RESET, "named in --reset");
    }
    if (keep.contains(t)) {
      return new Classification.Decision(Action.KEEP, "named in --keep");
    }
    if (MigrationTables.isMigrationTable(t.name())) {
      return new Classification.Decision(
          Action.KEEP, "migration history (kept unless named in --reset)");
    }
    if (keepGiven && !resetGiven) {
      return new Classification.Decision(Action.RESET, "not named in --keep");
    }
    if (resetGiven && !keepGiven) {
      return new Classification.Decision(Action.KEEP, "not named in --reset");
    }
    if (keepGiven) {
      return new Classification.Decision(
          Action.UNCLASSIFIED, "named in neither --keep nor --reset");
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

  private static Set<TableName> resolveAll(
      Catalog catalog, List<String> names, String option, List<String> errors) {
    Set<TableName> out = new LinkedHashSet<>();
    for (String text : names) {
      QualifiedName q;
      try {
        q = QualifiedName.parse(text);
      } catch (ExitException e) {
        errors.add(option + " " + text + ": " + e.getMessage());
        continue;
      }
      resolve(catalog, q, option, errors).ifPresent(out::add);
    }
    return out;
  }

  private static java.util.Optional<TableName> resolve(
      Catalog catalog, QualifiedName q, String option, List<String> errors) {
    if (q.schema() != null) {
      if (!catalog.schemas().contains(q.schema())) {
        errors.add(
            option
                + " "
                + q.text()
                + ": schema "
                + Identifiers.display(q.schema())
                + " is not in scope ("
                + String.join(", ", catalog.schemas())
                + "); add --schema "
                + Identifiers.display(q.schema()));
        return java.util.Optional.empty();
      }
      TableName t = new TableName(q.schema(), q.name());
      if (catalog.table(t).isPresent()) {
        return java.util.Optional.of(t);
      }
    } else {
      List<TableName> matches =
          catalog.tableNames().stream().filter(t -> t.name().equals(q.name())).toList();
      if (matches.size() == 1) {
        return java.util.Optional.of(matches.get(0));
      }
      if (matches.size() > 1) {
        errors.add(
            option
                + " "
                + q.text()
                + " is ambiguous: it names "
                + String.join(" and ", matches.stream().map(TableName::display).toList())
                + "; qualify it with its schema");
        return java.util.Optional.empty();
      }
    }
    errors.add(option + " " + q.text() + " names no table in scope" + suggestion(catalog, q));
    return java.util.Optional.empty();
  }

  private static String suggestion(Catalog catalog, QualifiedName q) {
    boolean qualify = q.schema() != null || catalog.schemas().size() > 1;
    Map<String, TableName> byText = new TreeMap<>();
    for (TableName t : catalog.tableNames()) {
      if (q.schema() == null || q.schema().equals(t.schema())) {
        byText.put(t.name(), t);
      }
    }
    return Suggestions.closest(q.name(), byText.keySet())
        .map(byText::get)
        .map(t -> ": did you mean " + (qualify ? t.display() : Identifiers.display(t.name())) + "?")
        .orElse(
            catalog.tables().size() <= 30
                ? ": the tables are "
                    + String.join(
                        ", ",
                        catalog.tableNames().stream()
                            .map(t -> qualify ? t.display() : Identifiers.display(t.name()))
                            .toList())
                : ": run 'prod-data-reset schema' to list the tables");
  }
}

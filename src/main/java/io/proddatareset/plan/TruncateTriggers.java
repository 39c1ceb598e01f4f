package io.proddatareset.plan;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.Trigger;
import io.proddatareset.pg.Identifiers;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Refuses in the plan what the reset's in-transaction check would roll back: an ON TRUNCATE trigger
 * that fires during the reset (see {@link Table#firingTruncateTriggers()}) and whose function
 * writes into a kept table (the kept tables are checked unchanged before commit), or, firing AFTER
 * the TRUNCATE, into a reset table (the reset tables are checked empty). BEFORE triggers run before
 * any table of the one TRUNCATE statement is emptied, so what they write into reset tables is
 * emptied too.
 *
 * <p>What a function writes is judged from what its source and the trigger's arguments mention: a
 * table's name as a word, in any case, quoted or not, qualified or not (a kept table's partitions
 * count as the kept table). That errs on the side of refusing: a comment that names a kept table
 * refuses too, and the remedy says how to go ahead. A function whose source this tool cannot read
 * (C, internal, or a language other than PL/pgSQL and SQL) gets a warning instead.
 */
final class TruncateTriggers {
  private TruncateTriggers() {}

  static void check(
      Catalog catalog,
      Policy policy,
      Classification classification,
      List<Hazard> hazards,
      List<PlanWarning> warnings) {
    Set<TableName> reset = new TreeSet<>(classification.tables(Action.RESET));
    List<TableName> kept = classification.tables(Action.KEEP);
    String resetList = policy.file() != null ? "reset: in " + policy.file().name() : "--reset";
    for (TableName t : reset) {
      Table table = catalog.table(t).orElseThrow();
      for (Trigger tr : table.firingTruncateTriggers()) {
        String trigger =
            (tr.before() ? "BEFORE" : "AFTER")
                + " TRUNCATE trigger "
                + tr.name()
                + " on "
                + HazardCheck.shown(t)
                + " runs "
                + tr.function()
                + "()";
        String disable =
            "Disable the trigger for the reset (ALTER TABLE "
                + HazardCheck.shown(t)
                + " DISABLE TRIGGER "
                + Identifiers.display(tr.name())
                + ", and ENABLE it again afterwards)";
        if (!tr.sourceReadable()) {
          warnings.add(
              new PlanWarning(
                  PlanWarning.Code.TRUNCATE_TRIGGER_UNCHECKED,
                  trigger
                      + ", written in "
                      + tr.language()
                      + ": its source cannot be checked for writes into kept tables. It runs"
                      + " during the reset; if it writes into a kept table, the reset's check"
                      + " rolls the reset back.",
                  List.of(t)));
          continue;
        }
        String text = tr.source() + "\n" + String.join("\n", tr.arguments());
        List<TableName> keptMentioned = mentioned(catalog, kept, text);
        if (!keptMentioned.isEmpty()) {
          hazards.add(
              new Hazard(
                  Hazard.Code.TRUNCATE_TRIGGER_WRITES_KEPT,
                  trigger
                      + whichNames("kept", keptMentioned)
                      + ": if it writes there, the reset's check finds the kept table changed"
                      + " and rolls the reset back.",
                  disable
                      + ", or reset "
                      + shown(keptMentioned)
                      + " too (add "
                      + (keptMentioned.size() > 1 ? "them" : "it")
                      + " to "
                      + resetList
                      + ").",
                  concat(t, keptMentioned)));
          continue;
        }
        if (!tr.before()) {
          List<TableName> resetMentioned = mentioned(catalog, List.copyOf(reset), text);
          if (!resetMentioned.isEmpty()) {
            hazards.add(
                new Hazard(
                    Hazard.Code.TRUNCATE_TRIGGER_REFILLS_RESET,
                    trigger
                        + whichNames("reset", resetMentioned)
                        + ": it fires after the tables are emptied, so rows it writes there stay,"
                        + " and the reset's check that the reset tables are empty rolls the reset"
                        + " back.",
                    disable + ", or make it a BEFORE TRUNCATE trigger.",
                    concat(t, resetMentioned)));
          }
        }
      }
    }
  }

  /** {@code , which names kept tables a, b}: what a trigger's source mentions. */
  private static String whichNames(String kind, List<TableName> tables) {
    return ", which names " + kind + " table" + (tables.size() > 1 ? "s " : " ") + shown(tables);
  }

  private static String shown(List<TableName> tables) {
    return tables.stream().map(HazardCheck::shown).collect(Collectors.joining(", "));
  }

  private static List<TableName> concat(TableName first, List<TableName> rest) {
    Set<TableName> all = new LinkedHashSet<>();
    all.add(first);
    all.addAll(rest);
    return List.copyOf(all);
  }

  /** The tables among {@code tables} whose name (or a partition's name) {@code text} mentions. */
  private static List<TableName> mentioned(Catalog catalog, List<TableName> tables, String text) {
    List<TableName> out = new ArrayList<>();
    for (TableName t : tables) {
      List<String> names = new ArrayList<>();
      names.add(t.name());
      catalog.table(t).ifPresent(tb -> tb.partitions().forEach(p -> names.add(p.name())));
      if (names.stream().anyMatch(n -> mentions(text, n))) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * True when {@code text} holds {@code name} as a word (not inside a longer identifier), in any
   * case, bare or quoted (with its double quotes doubled).
   */
  static boolean mentions(String text, String name) {
    String word = "[\\p{L}\\p{N}_$]";
    String alternatives =
        Pattern.quote(name)
            + (name.indexOf('"') >= 0 ? "|" + Pattern.quote(name.replace("\"", "\"\"")) : "");
    return Pattern.compile(
            "(?<!" + word + ")(?:" + alternatives + ")(?!" + word + ")",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE)
        .matcher(text)
        .find();
  }
}

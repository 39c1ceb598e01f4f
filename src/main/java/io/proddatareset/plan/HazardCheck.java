package io.proddatareset.plan;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.Column;
import io.proddatareset.catalog.ForeignKey;
import io.proddatareset.catalog.MaterializedView;
import io.proddatareset.catalog.SequenceRef;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableLock;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.Trigger;
import io.proddatareset.pg.Identifiers;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Finds the hazards that refuse a reset and the warnings that do not, for one classification. */
public final class HazardCheck {
  /** The hazards and warnings of a plan. */
  public record Findings(List<Hazard> hazards, List<PlanWarning> warnings) {
    public Findings {
      hazards = List.copyOf(hazards);
      warnings = List.copyOf(warnings);
    }
  }

  private HazardCheck() {}

  public static Findings check(Catalog catalog, Policy policy, Classification classification) {
    List<Hazard> hazards = new ArrayList<>();
    List<PlanWarning> warnings = new ArrayList<>();
    Set<TableName> reset = new TreeSet<>(classification.tables(Action.RESET));

    if (catalog.hotStandby()) {
      hazards.add(
          new Hazard(
              Hazard.Code.HOT_STANDBY,
              "The server is a hot standby (in recovery, read-only): a reset cannot write here.",
              "Connect to the primary server instead.",
              List.of()));
    }
    if (policy.empty() && !catalog.tables().isEmpty()) {
      hazards.add(
          new Hazard(
              Hazard.Code.NO_POLICY,
              "No tables are chosen: nothing says which tables to reset and which to keep.",
              "Name the tables to keep (--keep) or to reset (--reset), or give --policy FILE.",
              classification.tables(Action.UNCLASSIFIED)));
    } else {
      PolicyWords words = new PolicyWords(policy);
      for (TableName t : classification.tables(Action.UNCLASSIFIED)) {
        hazards.add(
            new Hazard(
                Hazard.Code.UNCLASSIFIED_TABLE,
                t.display() + " is " + words.neither() + " (is the policy stale? a new table?).",
                "Add " + t.display() + " to " + words.eitherList() + ".",
                List.of(t)));
      }
    }
    for (ForeignKey fk : catalog.foreignKeys()) {
      if (reset.contains(fk.parent()) && !reset.contains(fk.child())) {
        Action childAction = classification.action(fk.child());
        if (childAction == Action.UNCLASSIFIED) {
          continue; // already refused; its own hazard says what to do
        }
        hazards.add(keptReferencesReset(catalog, fk, childAction == null));
      }
    }
    for (TableName t : reset) {
      Table table = catalog.table(t).orElseThrow();
      for (TableName child : table.inheritanceChildren()) {
        if (!reset.contains(child)) {
          boolean inScope = classification.action(child) != null;
          hazards.add(
              new Hazard(
                  Hazard.Code.KEPT_INHERITS_RESET,
                  (inScope ? "Kept table " : "Table ")
                      + child.display()
                      + (inScope ? "" : " (outside the schemas in scope)")
                      + " inherits from reset table "
                      + t.display()
                      + ": TRUNCATE "
                      + t.display()
                      + " would empty it too.",
                  inScope
                      ? "Reset " + child.display() + " too (--reset), or keep " + t.display() + "."
                      : "Add --schema "
                          + io.proddatareset.pg.Identifiers.display(child.schema())
                          + " and reset "
                          + child.display()
                          + " too, or keep "
                          + t.display()
                          + ".",
                  List.of(child, t)));
        }
      }
      if (!table.canTruncate()) {
        String grant =
            "GRANT TRUNCATE ON "
                + (table.partitioned() ? t.display() + " and each partition" : t.display())
                + " TO "
                + catalog.currentUser();
        hazards.add(
            new Hazard(
                Hazard.Code.NO_TRUNCATE_PRIVILEGE,
                "User "
                    + catalog.currentUser()
                    + " lacks the TRUNCATE privilege on "
                    + t.display()
                    + (table.partitioned() ? " or one of its partitions" : "")
                    + " (owner "
                    + table.owner()
                    + ").",
                "Connect as " + table.owner() + " (the owner), or have it run: " + grant + ".",
                List.of(t)));
      }
      List<Trigger> onTruncate = table.firingTruncateTriggers();
      if (!onTruncate.isEmpty()) {
        warnings.add(
            new PlanWarning(
                PlanWarning.Code.TRUNCATE_TRIGGER,
                t.display()
                    + " has ON TRUNCATE trigger"
                    + (onTruncate.size() > 1 ? "s " : " ")
                    + onTruncate.stream()
                        .map(tr -> tr.name() + " (" + tr.function() + ")")
                        .collect(Collectors.joining(", "))
                    + ": it fires during the reset.",
                List.of(t)));
      }
      if (!table.publications().isEmpty()) {
        warnings.add(
            new PlanWarning(
                PlanWarning.Code.PUBLICATION,
                t.display()
                    + " is in logical-replication publication"
                    + (table.publications().size() > 1 ? "s " : " ")
                    + String.join(", ", table.publications())
                    + ": the TRUNCATE is replicated to subscribers unless the publication"
                    + " excludes truncate.",
                List.of(t)));
      }
    }
    for (MaterializedView view : catalog.materializedViews()) {
      List<TableName> read = view.reads().stream().filter(reset::contains).toList();
      if (!read.isEmpty()) {
        warnings.add(
            new PlanWarning(
                PlanWarning.Code.MATERIALIZED_VIEW,
                "Materialized view "
                    + view.name().display()
                    + " reads "
                    + read.stream().map(TableName::display).collect(Collectors.joining(", "))
                    + ": it keeps its rows until REFRESH MATERIALIZED VIEW "
                    + view.name().display()
                    + ".",
                read));
      }
    }
    for (Table table : catalog.tables()) {
      Action action = classification.action(table.name());
      if (!table.canSelect() && (action == Action.RESET || action == Action.KEEP)) {
        String why =
            action == Action.RESET
                ? "the backup must read every row it removes"
                : "the reset checks that kept tables stay unchanged";
        hazards.add(
            new Hazard(
                Hazard.Code.NO_SELECT_PRIVILEGE,
                "User "
                    + catalog.currentUser()
                    + " cannot read "
                    + action.word()
                    + " table "
                    + table.name().display()
                    + " (no SELECT privilege): "
                    + why
                    + ".",
                "Connect as "
                    + table.owner()
                    + " (the owner), or have it run: GRANT SELECT ON "
                    + table.name().display()
                    + " TO "
                    + catalog.currentUser()
                    + ".",
                List.of(table.name())));
      } else if (table.rowSecurityActive() && (action == Action.RESET || action == Action.KEEP)) {
        hazards.add(
            new Hazard(
                Hazard.Code.ROW_SECURITY,
                "Row-level security applies to user "
                    + catalog.currentUser()
                    + (action == Action.RESET ? " on reset table " : " on kept table ")
                    + table.name().display()
                    + ": its row count here is only the rows the policy shows, and "
                    + (action == Action.RESET
                        ? "a backup must hold every row the reset removes"
                        : "the reset must check every row of the kept tables")
                    + " (the backup and the check refuse to read through a policy).",
                table.owner().equals(catalog.currentUser())
                    ? "Connect as a role with BYPASSRLS or as a superuser: the table forces"
                        + " row-level security on its owner too."
                    : "Connect as a role the policy does not apply to: a role with BYPASSRLS, a"
                        + " superuser, or the owner "
                        + table.owner()
                        + " (unless the table forces row-level security on its owner).",
                List.of(table.name())));
      }
    }
    TruncateTriggers.check(catalog, policy, classification, hazards, warnings);
    hazards.addAll(namesTheBackupCannotCarry(catalog, reset, true));
    warnings.addAll(lockWarnings(catalog, reset));
    if (reset.isEmpty() && !policy.empty()) {
      warnings.add(
          new PlanWarning(
              PlanWarning.Code.NOTHING_TO_RESET, "The policy resets no table.", List.of()));
    }
    return new Findings(hazards, warnings);
  }

  /**
   * The names among {@code tables} that a backup cannot carry: a line break in the name of a table,
   * its schema, one of its columns or one of its sequences. The backup is the plain format of
   * pg_dump, read back line by line, and a quoted name with a line break splits its COPY or setval
   * line in two. Other characters (carriage returns, tabs, backslashes, quotes) survive the round
   * trip and are not listed.
   *
   * @param inPlan true in a plan (where keeping the table is a way out), false for {@code backup}
   */
  public static List<Hazard> namesTheBackupCannotCarry(
      Catalog catalog, Collection<TableName> tables, boolean inPlan) {
    List<Hazard> out = new ArrayList<>();
    for (TableName t : new TreeSet<>(tables)) {
      Table table = catalog.table(t).orElseThrow();
      String what = inPlan ? "Reset table " : "Table ";
      if (hasLineBreak(t.schema())) {
        out.add(
            lineBreak(
                what + shown(t) + " is in a schema whose name holds a line break",
                "ALTER SCHEMA " + shown(Identifiers.display(t.schema())) + " RENAME TO ...",
                inPlan,
                t));
      }
      if (hasLineBreak(t.name())) {
        out.add(
            lineBreak(
                what + shown(t) + " has a line break in its name",
                "ALTER TABLE " + shown(t) + " RENAME TO ...",
                inPlan,
                t));
      }
      for (Column c : table.storedColumns()) {
        if (hasLineBreak(c.name())) {
          out.add(
              lineBreak(
                  "Column "
                      + shown(Identifiers.display(c.name()))
                      + " of "
                      + what.toLowerCase(Locale.ROOT)
                      + shown(t)
                      + " has a line break in its name",
                  "ALTER TABLE "
                      + shown(t)
                      + " RENAME COLUMN "
                      + shown(Identifiers.display(c.name()))
                      + " TO ...",
                  inPlan,
                  t));
        }
      }
      for (SequenceRef seq : table.sequences()) {
        if (hasLineBreak(seq.schema()) || hasLineBreak(seq.name())) {
          out.add(
              lineBreak(
                  "Sequence "
                      + shown(seq.display())
                      + " of "
                      + what.toLowerCase(Locale.ROOT)
                      + shown(t)
                      + " (column "
                      + shown(Identifiers.display(seq.column()))
                      + ") has a line break in its name",
                  "ALTER SEQUENCE " + shown(seq.display()) + " RENAME TO ...",
                  inPlan,
                  t));
        }
      }
    }
    return out;
  }

  private static Hazard lineBreak(String what, String rename, boolean inPlan, TableName t) {
    return new Hazard(
        Hazard.Code.LINE_BREAK_IN_NAME,
        what
            + ": the backup (pg_dump's plain format, read back line by line) cannot carry it, so"
            + (inPlan ? " the reset" : " the backup")
            + " would fail its check of the backup.",
        "Rename it without the line break ("
            + rename
            + ")"
            + (inPlan ? ", or keep the table" : "")
            + ".",
        List.of(t));
  }

  private static boolean hasLineBreak(String name) {
    return name.indexOf('\n') >= 0;
  }

  /** A name in a one-line message: line breaks and carriage returns shown as \n and \r. */
  static String shown(TableName t) {
    return shown(t.display());
  }

  static String shown(String text) {
    return text.replace("\n", "\\n").replace("\r", "\\r");
  }

  private static Hazard keptReferencesReset(Catalog catalog, ForeignKey fk, boolean outOfScope) {
    String child = fk.child().display();
    String parent = fk.parent().display();
    String columns = String.join(", ", fk.childColumns());
    String declared =
        fk.declaredOn().equals(fk.child()) ? "" : ", declared on " + fk.declaredOn().display();
    String message =
        (outOfScope ? "Table " + child + " (outside the schemas in scope)" : "Kept table " + child)
            + " references reset table "
            + parent
            + " through column"
            + (fk.childColumns().size() > 1 ? "s " : " ")
            + columns
            + " (constraint "
            + fk.name()
            + declared
            + "): TRUNCATE would fail, and TRUNCATE ... CASCADE would also empty "
            + child
            + ".";
    String remedy =
        outOfScope
            ? "Add --schema "
                + io.proddatareset.pg.Identifiers.display(fk.child().schema())
                + " and reset "
                + child
                + " too, or keep "
                + parent
                + "."
            : "Reset " + child + " too (--reset), or keep " + parent + " (--keep).";
    return new Hazard(
        Hazard.Code.KEPT_REFERENCES_RESET, message, remedy, List.of(fk.child(), fk.parent()));
  }

  private static List<PlanWarning> lockWarnings(Catalog catalog, Set<TableName> reset) {
    Map<Integer, List<TableLock>> byPid = new TreeMap<>();
    for (TableLock lock : catalog.locks()) {
      if (reset.contains(lock.table())) {
        byPid.computeIfAbsent(lock.pid(), k -> new ArrayList<>()).add(lock);
      }
    }
    List<PlanWarning> out = new ArrayList<>();
    byPid.forEach(
        (pid, locks) -> {
          TableLock first = locks.get(0);
          String who =
              pid == 0
                  ? "A prepared transaction"
                  : "Session pid "
                      + pid
                      + " ("
                      + (first.user() == null ? "another user" : "user " + first.user())
                      + (first.application() == null || first.application().isEmpty()
                          ? ""
                          : ", " + first.application())
                      + (first.state() == null ? "" : ", " + first.state())
                      + ")";
          String what =
              locks.stream()
                  .map(
                      l ->
                          (l.granted() ? "holds " : "awaits ")
                              + l.mode()
                              + " on "
                              + l.table().display())
                  .distinct()
                  .collect(Collectors.joining(", "));
          out.add(
              new PlanWarning(
                  PlanWarning.Code.LOCKED_BY_OTHER_SESSION,
                  who
                      + " "
                      + what
                      + ": a reset tries its locks in short attempts and gives up within its lock timeout while this lasts, changing nothing.",
                  locks.stream().map(TableLock::table).distinct().sorted().toList()));
        });
    return out;
  }
}

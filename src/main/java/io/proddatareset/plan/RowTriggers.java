package io.proddatareset.plan;

import io.proddatareset.Counts;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.Trigger;
import java.util.ArrayList;
import java.util.List;

/**
 * The app's triggers that a subset reset sets off: its deletes and updates are ordinary statements,
 * so every enabled DELETE or UPDATE trigger of a table it changes fires (ON TRUNCATE triggers are
 * the whole-table reset's: {@link TruncateTriggers}). The plan names them, with the rows they fire
 * on, so that the user knows what else the reset does before confirming it.
 */
final class RowTriggers {
  private RowTriggers() {}

  /**
   * The triggers that fire as the reset deletes or updates rows of the closure's tables (enabled
   * for the tool's sessions, on DELETE for a table with rows deleted, on UPDATE for one with rows
   * updated): the app's own code runs, and what it writes is not in the backup.
   */
  static List<PlanWarning> warnings(Catalog catalog, RowClosure.Result closure) {
    List<PlanWarning> out = new ArrayList<>();
    for (RowClosure.Reached r : closure.tables()) {
      for (Trigger t : catalog.table(r.table()).map(Table::triggers).orElse(List.of())) {
        List<String> what = new ArrayList<>();
        if (t.enabled() && t.onDelete() && r.deleteRows() > 0) {
          what.add("deletes " + Counts.of(r.deleteRows(), "row"));
        }
        if (t.enabled() && t.onUpdate() && r.updateRows() > 0) {
          what.add(
              "updates " + Counts.of(r.updateRows(), "row") + " (SET NULL / SET DEFAULT keys)");
        }
        if (!what.isEmpty()) {
          out.add(
              new PlanWarning(
                  PlanWarning.Code.ROW_TRIGGER,
                  r.table().display()
                      + ": trigger "
                      + t.name()
                      + " ("
                      + t.function()
                      + ") fires as the reset "
                      + String.join(" and ", what)
                      + ". What it does is the app's own: it is not in the backup, and a restore"
                      + " does not undo it.",
                  List.of(r.table())));
        }
      }
    }
    return out;
  }
}

package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.Durations;
import io.proddatareset.Sizes;
import io.proddatareset.catalog.ForeignKey;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import io.proddatareset.pg.LockHolders;
import io.proddatareset.plan.Action;
import io.proddatareset.plan.AppCost;
import io.proddatareset.plan.Hazard;
import io.proddatareset.plan.PlanWarning;
import io.proddatareset.plan.PlannedTable;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.ResetPlan;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** Renders a {@link ResetPlan} for people. */
final class PlanText {
  private PlanText() {}

  /**
   * The whole plan: target, server, tables with action, rows and size, truncation order, hazards,
   * warnings, what the reset would cost the app, and plan id.
   *
   * @param target the redacted target description
   */
  static String render(ResetPlan plan, String target, AppCost cost) {
    return body(plan, target, cost)
        + (plan.refused()
            ? "Dry-run: nothing was changed. A reset is refused until the hazards are resolved.\n"
            : "Dry-run: nothing was changed.\n");
  }

  /** The plan as the reset shows it before asking: the same, without the dry-run line. */
  static String renderForReset(ResetPlan plan, String target, AppCost cost) {
    return body(plan, target, cost);
  }

  private static String body(ResetPlan plan, String target, AppCost cost) {
    StringBuilder out = new StringBuilder();
    out.append("Plan for ").append(target).append('\n');
    out.append("Server:  PostgreSQL ")
        .append(plan.serverVersion())
        .append(plan.catalog().hotStandby() ? " (hot standby)" : "")
        .append(", connected as ")
        .append(plan.catalog().currentUser())
        .append('\n');
    out.append("Schemas: ")
        .append(Columns.visible(String.join(", ", plan.catalog().schemas())))
        .append('\n');
    out.append("Policy:  ").append(Columns.visible(policyLine(plan.policy()))).append('\n');
    if (plan.isSubset()) {
      out.append(SubsetPlanText.selectionLines(plan.subset().selection()));
    }
    out.append('\n');

    out.append(plan.isSubset() ? SubsetPlanText.tableSection(plan) : tableSection(plan));
    out.append('\n');
    out.append(plan.isSubset() ? SubsetPlanText.orderSection(plan) : orderSection(plan.order()));
    out.append(hazardSection(plan.hazards()));
    out.append(warningSection(plan.warnings()));
    if (!plan.resetTables().isEmpty()) {
      out.append(appCostSection(cost));
    }
    out.append("\nPlan id: ").append(plan.planId()).append('\n');
    return out.toString();
  }

  static String policyLine(Policy p) {
    List<String> parts = new ArrayList<>();
    if (p.keepGiven()) {
      parts.add("keep " + (p.keep().isEmpty() ? "no table" : String.join(", ", p.keep())));
    }
    if (p.resetGiven()) {
      parts.add("reset " + (p.reset().isEmpty() ? "no table" : String.join(", ", p.reset())));
    }
    if (p.selects()) {
      parts.add("rows by --where");
    }
    return (parts.isEmpty() ? "no tables named" : String.join("; ", parts))
        + " ("
        + p.source()
        + ")";
  }

  private static String tableSection(ResetPlan plan) {
    List<PlannedTable> rows = new ArrayList<>(plan.tables());
    rows.sort(
        Comparator.comparing((PlannedTable t) -> rank(t.action()))
            .thenComparing(PlannedTable::name));
    List<String[]> cells = new ArrayList<>();
    cells.add(
        new String[] {"ACTION", "TABLE", plan.exactRows() ? "ROWS" : "ROWS (est.)", "SIZE", "WHY"});
    for (PlannedTable t : rows) {
      cells.add(
          new String[] {
            t.action().word(), t.name().display(), rows(t), Sizes.bytes(t.sizeBytes()), t.reason()
          });
    }
    if (rows.isEmpty()) {
      return "No tables in the schemas " + String.join(", ", plan.catalog().schemas()) + ".\n";
    }
    StringBuilder out =
        new StringBuilder(Columns.format(cells, new boolean[] {false, false, true, true, false}));
    long resetCount = plan.tables().stream().filter(t -> t.action() == Action.RESET).count();
    out.append('\n')
        .append("Reset ")
        .append(Counts.of(resetCount, "table"))
        .append(" with ")
        .append(plan.exactRows() ? "" : "about ")
        .append(Counts.of(plan.rowsToReset(), "row"))
        .append("; keep ")
        .append(Counts.of(plan.keptTables().size(), "table"))
        .append(".\n");
    return out.toString();
  }

  private static int rank(Action a) {
    return switch (a) {
      case RESET -> 0;
      case UNCLASSIFIED -> 1;
      case KEEP -> 2;
    };
  }

  private static String rows(PlannedTable t) {
    if (t.rows() < 0) {
      return "?";
    }
    return (t.rowsExact() ? "" : "~") + Counts.number(t.rows());
  }

  static String orderSection(TruncationOrder order) {
    if (order.groups().isEmpty()) {
      return "Truncation order: no table to reset.\n";
    }
    return "Truncation order (children before parents):\n" + orderLines(order, "truncated");
  }

  /**
   * The numbered groups of {@code order}, one a line, a cycle's keys named: what is {@code done}
   * together ("truncated", "deleted").
   */
  static String orderLines(TruncationOrder order, String done) {
    StringBuilder out = new StringBuilder();
    int i = 1;
    for (TruncationOrder.Group g : order.groups()) {
      out.append(String.format("  %3d. ", i++))
          .append(
              Columns.visible(
                  g.tables().stream().map(TableName::display).collect(Collectors.joining(", "))));
      if (g.selfReference()) {
        out.append("  (references itself: ").append(keyNames(g.cycleKeys())).append(')');
      } else if (g.cycle()) {
        out.append("  (foreign-key cycle, ")
            .append(done)
            .append(" together: ")
            .append(keyNames(g.cycleKeys()))
            .append(')');
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static String keyNames(List<ForeignKey> keys) {
    return keys.stream().map(ForeignKey::name).sorted().collect(Collectors.joining(", "));
  }

  private static String hazardSection(List<Hazard> hazards) {
    if (hazards.isEmpty()) {
      return "\nHazards: none.\n";
    }
    StringBuilder out =
        new StringBuilder("\nHazards (")
            .append(hazards.size())
            .append("), the reset is refused:\n");
    for (Hazard h : hazards) {
      item(out, h.code(), h.message());
      out.append("    What to do: ").append(Columns.visible(h.remedy())).append('\n');
    }
    return out.toString();
  }

  private static String warningSection(List<PlanWarning> warnings) {
    if (warnings.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder("\nWarnings (").append(warnings.size()).append("):\n");
    for (PlanWarning w : warnings) {
      item(out, w.code(), w.message());
    }
    return out.toString();
  }

  /**
   * How long the app's writers and readers would wait, and the sessions that would make the reset
   * give up now.
   */
  static String appCostSection(AppCost cost) {
    StringBuilder out = new StringBuilder("\nApp cost, while the reset runs:\n");
    out.append("  Writers into the reset and kept tables wait for the final phase: ")
        .append(
            cost.writerWaitMillis() < 100
                ? "under 0.1s"
                : "about " + Durations.elapsed(cost.writerWaitMillis()))
        .append(" (from ")
        .append(Sizes.bytes(cost.resetBytes()))
        .append(" of reset tables at ")
        .append(rate(cost.rateBytesPerSecond()))
        .append(
            cost.measured()
                ? ", measured by the reset of "
                    + DateTimeFormatter.ISO_LOCAL_DATE.format(
                        cost.measuredAt().atOffset(ZoneOffset.UTC))
                : ", estimated: no reset of this database is recorded in the audit log yet")
        .append("), plus any retries of the exclusive lock (at most --lock-timeout).\n")
        .append("  Readers wait at most one lock attempt (")
        .append(Durations.limit(Duration.ofMillis(cost.readerWaitMillis())))
        .append(") at a time.\n");
    if (!cost.blockers().isEmpty()) {
      out.append(
              "  Sessions that would block the exclusive lock now (a reset would give up on them")
          .append(" within --lock-timeout, before writing its backup):\n");
      for (LockHolders.Holder h : cost.blockers()) {
        out.append("  - ").append(Columns.visible(h.describe())).append('\n');
      }
    }
    return out.toString();
  }

  private static String rate(double bytesPerSecond) {
    return Sizes.bytes(Math.round(bytesPerSecond)) + "/s";
  }

  /** A hazard's or warning's line: {@code - [CODE] message}. */
  private static void item(StringBuilder out, Enum<?> code, String message) {
    out.append("  - [").append(code).append("] ").append(Columns.visible(message)).append('\n');
  }

  /** One line for stderr when a plan is refused. */
  static String refusal(ResetPlan plan) {
    int n = plan.hazards().size();
    return "Refused: the plan has "
        + Counts.of(n, "hazard")
        + " ("
        + String.join(", ", plan.hazards().stream().map(h -> h.code().name()).distinct().toList())
        + "); each hazard in the plan says what to do. Nothing was changed.";
  }
}

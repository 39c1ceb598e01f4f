package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.audit.AuditLog;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.render.RenderDatabase;
import io.proddatareset.plan.AppCost;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.ResetPlan;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code plan}: the dry-run. Reads only; exit 3 when a hazard would refuse the reset. */
@Command(
    name = "plan",
    description = {
      "Dry-run: show what a reset would do without changing anything: each table with its action"
          + " (reset/keep), exact row count and size, the truncation order (children before"
          + " parents), the hazards that would refuse it, warnings, and a plan id.",
      "With --where, the rows to delete and to update per table instead (exact counts), the path"
          + " of keys by which each table is reached, the order of the deletes, and the columns"
          + " that look like references but have no foreign key.",
      "Exit 0 when a reset could go ahead, 3 when a hazard refuses it, 2 for a name that matches"
          + " no table (with a suggestion) or a condition the server refuses."
    })
public class PlanCommand extends IoCommand {
  @Mixin TargetAndPolicy in;

  @Mixin RowSelectionOptions rows;

  @Mixin JsonOption json;

  @Mixin AuditLogOption auditLog;

  @Override
  public Integer call() {
    ConnectionTarget target = in.resolve(io);
    return show(
        io,
        target,
        in.target.render(),
        rows.addTo(in.policy.policy()),
        in.policy.estimate(),
        json.json,
        auditLog.file);
  }

  /** {@link #show(Io, ConnectionTarget, RenderDatabase, Policy, boolean, boolean, Path)}. */
  static int show(
      Io io,
      ConnectionTarget target,
      Policy policy,
      boolean estimate,
      boolean json,
      Path auditLog) {
    return show(io, target, null, policy, estimate, json, auditLog);
  }

  /**
   * Computes the plan, prints it on stdout (text or JSON) and returns 0, or throws REFUSED after
   * printing when it has hazards. Shared with the top-level command's dry-run.
   *
   * @param render the Render instance the target was found as, shown first; null when not
   * @param auditLog {@code --audit-log}, or null for the default: where a rate measured by an
   *     earlier reset is read from
   */
  static int show(
      Io io,
      ConnectionTarget target,
      RenderDatabase render,
      Policy policy,
      boolean estimate,
      boolean json,
      Path auditLog) {
    ResetPlan plan =
        PlanService.plan(
            target, policy, estimate ? PlanOptions.estimates() : PlanOptions.exactCounts());
    AppCost cost = appCost(io, target, plan, auditLog);
    String shown = target.display();
    io.out()
        .print(
            json
                ? JsonOutput.write(RenderText.addTo(PlanJson.toJson(plan, shown, cost), render))
                    + "\n"
                : RenderText.block(render) + PlanText.render(plan, shown, cost));
    io.out().flush();
    if (plan.refused()) {
      throw ExitException.refused(PlanText.refusal(plan));
    }
    return 0;
  }

  /** The plan's cost to the app, from the rate the newest reset of this database recorded. */
  static AppCost appCost(Io io, ConnectionTarget target, ResetPlan plan, Path auditLog) {
    return AppCost.of(
        plan,
        AuditLog.resolve(auditLog, io.env())
            .newestFinalPhase(target)
            .map(p -> new AppCost.Measured(p.time(), p.millis(), p.bytes())));
  }
}

package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.ResetPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code plan}: the dry-run. Reads only; exit 3 when a hazard would refuse the reset. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Dry-run: show what a reset would do without changing anything: each table with its action"
          + " (reset/keep), exact row count and size, the truncation order (children before"
          + " parents), the hazards that would refuse it, warnings, and a plan id.",
      "Exit 0 when a reset could go ahead, 3 when a hazard refuses it, 2 for a name that matches"
          + " no table (with a suggestion)."
    })
public class PlanCommand extends IoCommand {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "URL",
      description = "Database URL (the seed's form); same as --url.")
  String positionalUrl;

  @Mixin TargetOptions target;
  @Mixin PolicyOptions policy;

  @Option(names = "--json", description = "Print the plan as one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    return show(io, target.resolve(positionalUrl, io), policy.policy(), policy.estimate(), json);
  }

  /**
   * Computes the plan, prints it on stdout (text or JSON) and returns 0, or throws REFUSED after
   * printing when it has hazards. Shared with the top-level command's dry-run.
   */
  static int show(Io io, ConnectionTarget target, Policy policy, boolean estimate, boolean json) {
    ResetPlan plan =
        PlanService.plan(
            target, policy, estimate ? PlanOptions.estimates() : PlanOptions.exactCounts());
    String shown = target.display();
    io.out().print(json ? PlanJson.render(plan, shown) + "\n" : PlanText.render(plan, shown));
    io.out().flush();
    if (plan.refused()) {
      throw ExitException.refused(refusal(plan));
    }
    return 0;
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

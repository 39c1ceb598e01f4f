package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.audit.AgentConsent;
import io.proddatareset.audit.AuditTrail;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import io.proddatareset.connect.render.RenderDatabase;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.reset.ResetOptions;
import io.proddatareset.reset.ResetRun;
import io.proddatareset.reset.ResetService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code reset}: plan, confirm, then the two-phase reset ({@link ResetService}), then verify on a
 * fresh read-only connection ({@link ResetRun}).
 */
@Command(
    name = "reset",
    description = {
      "Reset the tables the policy names: show the plan, ask for the database name, back the tables"
          + " up from a snapshot while the app goes on, then lock writers out for a short final"
          + " phase: add the rows written meanwhile to the backup (verified), TRUNCATE the tables in"
          + " one statement, check that kept tables are untouched, and commit; then verify"
          + " read-only.",
      "With --where, rows instead: the selected rows and every row that depends on them through"
          + " foreign keys are locked (FOR UPDATE, no table lock the app would wait for), backed up"
          + " as they are, deleted children first (SET NULL / SET DEFAULT keys: updated), checked"
          + " statement by statement, and committed; every other row stays as it is.",
      "Any failure before the commit rolls back: the database is as it was and the partial backup"
          + " is removed."
    })
public class ResetCommand extends IoCommand {
  @Mixin TargetAndPolicy in;
  @Mixin ResetSwitches switches;
  @Mixin RowSelectionOptions rows;

  @Override
  public Integer call() {
    ConnectionTarget t = in.resolve(io);
    return run(io, t, in.target.render(), in.target.sameTarget(), in.policy, rows, switches);
  }

  /**
   * Shared with the top-level seed form and the MCP server; {@code sameTarget} names {@code t} in
   * commands shown; {@code render} is the Render instance {@code t} was found as (or null), shown
   * with the plan and again just before the confirmation; {@code rows} the row options, or null for
   * none beyond the policy's.
   */
  static int run(
      Io io,
      ConnectionTarget t,
      RenderDatabase render,
      TargetOptions.SameTarget sameTarget,
      PolicyOptions policy,
      RowSelectionOptions rows,
      ResetSwitches s) {
    if (policy.estimate()) {
      throw ExitException.usage("--estimate is for plan only: a reset always counts rows exactly.");
    }
    ResetOptions options = s.options(t);
    String check = ResetInterruptions.howToCheck(io.env(), sameTarget, policy.asGiven(), options);
    AuditTrail audit =
        AuditTrail.open(s.auditLog.file, io.env(), "reset", t)
            .rolledBackBy(ResetService.RolledBack.class::isInstance)
            .noBackupReason(options.noBackupReason())
            .renderRecovery(render == null ? null : render.recovery());
    return InterruptGuard.run(
        io,
        audit,
        "reset",
        "Interrupted before the reset started: nothing was changed.",
        guard -> {
          audit.consent(AgentConsent.require(io.env(), "reset").consent());
          Connector connector = new Connector(t);
          Policy p = rows == null ? policy.policy() : rows.addTo(policy.policy());
          if (p.selects() && s.confirm != null) {
            // issue 13: rows, confirmed beforehand: the plan computed once, under the row locks
            ResetRun reset =
                ResetRun.underLocks(
                    connector,
                    p,
                    options,
                    s.planId,
                    plan -> ResetUnderLocks.shown(io, t, render, s, options, audit, plan));
            ResetUnderLocks.checkBackupLocation(io, reset);
            return ResetSteps.run(io, t, reset, options, check, sameTarget, audit, guard);
          }
          // the plan the user reviews (with --where, of the selected rows: run by RowReset)
          ResetPlan plan = ResetRun.plan(connector, p);
          ResetUnderLocks.print(io, t, render, s, audit, plan);
          if (plan.refused()) {
            throw ExitException.refused(PlanText.refusal(plan));
          }
          ResetRun reset = ResetRun.prepare(connector, plan, options, s.planId);
          if (reset.nothingToReset()) {
            io.out().print(ResetText.nothingToReset(options));
            return 0;
          }
          io.err().print(ResetText.announce(plan, t.display(), options, reset.truncateTriggers()));
          ResetUnderLocks.checkBackupLocation(io, reset);
          // what is confirmed, right above the prompt: the Render instance, by name, id and URL
          io.err().print(RenderText.block(render));
          Confirmation.require(io, plan.database(), s.confirm, "reset these tables");
          return ResetSteps.run(io, t, reset, options, check, sameTarget, audit, guard);
        });
  }
}

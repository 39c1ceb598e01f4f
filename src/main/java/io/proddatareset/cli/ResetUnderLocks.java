package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.audit.AuditTrail;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.render.RenderDatabase;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.reset.ResetOptions;
import io.proddatareset.reset.ResetRun;
import java.util.List;

/**
 * For {@link ResetCommand}: how a reset shows its plan ({@link #print}), and what a row reset
 * confirmed beforehand ({@code --where} with {@code --confirm}) shows of the plan it computes under
 * its row locks, before it backs up or changes anything ({@link ResetRun#underLocks}): the same
 * plan, announcement and checks as the reset that plans first, in the same words, but the closure
 * is computed once.
 */
final class ResetUnderLocks {
  private ResetUnderLocks() {}

  /**
   * The plan under the locks: recorded for the audit trail, printed, refused when it is not the one
   * reviewed ({@code --plan-id}) or has a hazard, the announcement, and the database named by
   * {@code --confirm} checked.
   *
   * @return false when the plan has no row to delete or update (printed as such)
   * @throws ExitException REFUSED for another plan id or a hazard; CANCELLED when {@code --confirm}
   *     names another database (the reset then rolls back: nothing was changed)
   */
  static boolean shown(
      Io io,
      ConnectionTarget t,
      RenderDatabase render,
      ResetSwitches s,
      ResetOptions options,
      AuditTrail audit,
      ResetPlan plan) {
    print(io, t, render, s, audit, plan);
    ResetRun.requireReviewed(plan, s.planId);
    if (plan.refused()) {
      throw ExitException.refused(PlanText.refusal(plan));
    }
    if (plan.subset().rowsToDelete() + plan.subset().rowsToUpdate() == 0) {
      io.out().print(ResetText.nothingToReset(options));
      return false;
    }
    io.err().print(ResetText.announce(plan, t.display(), options, List.of()));
    io.err().print(RenderText.block(render));
    Confirmation.require(io, plan.database(), s.confirm, "reset these tables");
    return true;
  }

  /**
   * The plan of a reset, recorded for the audit trail and printed (with the Render instance and the
   * app's cost), whether it was computed first or under the row locks.
   */
  static void print(
      Io io,
      ConnectionTarget t,
      RenderDatabase render,
      ResetSwitches s,
      AuditTrail audit,
      ResetPlan plan) {
    audit.plan(plan.planId(), ResetText.rows(plan));
    io.out()
        .print(
            RenderText.block(render)
                + PlanText.renderForReset(
                    plan, t.display(), PlanCommand.appCost(io, t, plan, s.auditLog.file)));
    io.out().flush();
  }

  /** Before the reset: a killed run's leftovers beside the backup may hold production rows. */
  static void checkBackupLocation(Io io, ResetRun reset) {
    reset.checkBackupLocation().forEach(f -> io.err().println("warning: " + f.warning()));
  }
}

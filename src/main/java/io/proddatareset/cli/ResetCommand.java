package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.audit.AgentConsent;
import io.proddatareset.audit.AuditTrail;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import io.proddatareset.connect.render.RenderDatabase;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.reset.ResetOptions;
import io.proddatareset.reset.ResetResult;
import io.proddatareset.reset.ResetRun;
import io.proddatareset.reset.ResetService;
import io.proddatareset.reset.VerifyReport;
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
      "Any failure before the commit rolls back: the database is as it was and the partial backup"
          + " is removed."
    })
public class ResetCommand extends IoCommand {
  @Mixin TargetAndPolicy in;
  @Mixin ResetSwitches switches;

  @Override
  public Integer call() {
    ConnectionTarget t = in.resolve(io);
    return run(io, t, in.target.render(), in.target.sameTarget(), in.policy, switches);
  }

  /** The same, for a target that did not come from Render. */
  static int run(
      Io io,
      ConnectionTarget t,
      TargetOptions.SameTarget sameTarget,
      PolicyOptions policy,
      ResetSwitches s) {
    return run(io, t, null, sameTarget, policy, s);
  }

  /**
   * Shared with the top-level seed form; {@code sameTarget} names {@code t} in commands shown;
   * {@code render} is the Render instance {@code t} was found as (or null), shown with the plan and
   * again just before the confirmation.
   */
  static int run(
      Io io,
      ConnectionTarget t,
      RenderDatabase render,
      TargetOptions.SameTarget sameTarget,
      PolicyOptions policy,
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
          ResetPlan plan = ResetRun.plan(connector, policy.policy());
          audit.plan(plan.planId(), ResetText.rows(plan));
          // issue 12 (locks): the plan shown before the confirmation tells the app's cost too
          io.out()
              .print(
                  RenderText.block(render)
                      + PlanText.renderForReset(
                          plan, t.display(), PlanCommand.appCost(io, t, plan, s.auditLog.file)));
          io.out().flush();
          if (plan.refused()) {
            throw ExitException.refused(PlanText.refusal(plan));
          }
          ResetRun reset = ResetRun.prepare(connector, plan, options, s.planId);
          if (reset.nothingToReset()) {
            io.out().print(ResetText.nothingToReset(options));
            return 0;
          }
          io.err().print(ResetText.announce(plan, t.display(), options, reset.truncateTriggers()));
          // before the confirmation: a killed run's leftovers may hold production rows
          reset.checkBackupLocation().forEach(f -> io.err().println("warning: " + f.warning()));
          // what is confirmed, right above the prompt: the Render instance, by name, id and URL
          io.err().print(RenderText.block(render));
          Confirmation.require(io, plan.database(), s.confirm, "reset these tables");
          return reset(io, t, reset, options, check, sameTarget, audit, guard);
        });
  }

  private static int reset(
      Io io,
      ConnectionTarget t,
      ResetRun reset,
      ResetOptions options,
      String check,
      TargetOptions.SameTarget sameTarget,
      AuditTrail audit,
      InterruptGuard guard) {
    BackupProgress progress = ProgressPrinter.forIo(io);
    guard.stage(
        reset::interrupt, () -> ResetInterruptions.stoppedLine(reset.step(), check, options));
    audit.started();
    ResetRun.Outcome outcome;
    try {
      outcome =
          reset.run(
              step -> io.err().println("  " + step + " ..."),
              committed -> {
                ProgressPrinter.finish(progress);
                ResetAudit.committed(audit, committed, io.err()::println);
                io.out().print(ResetText.committed(committed));
              },
              progress);
    } catch (ExitException e) {
      throw reset.step() == ChangeStep.COMMITTING ? guard.commitUnknown(e, check) : e;
    } finally {
      ProgressPrinter.finish(progress);
    }
    ResetResult result = outcome.reset();
    if (result.alreadyEmpty()) {
      audit.tables(ResetText.rows(result.plan())).succeeded();
      guard.stage(() -> {}, () -> ResetInterruptions.AT_THE_END_ALREADY_EMPTY);
      io.out().print(ResetText.alreadyEmpty(result, options));
      return 0;
    }
    // committed and audited: the check afterwards is a second look, not part of the reset
    VerifyReport report = outcome.check();
    Exception e = outcome.checkFailure();
    if (outcome.marksNotRecorded() != null) {
      io.err().println(ResetText.marksNotRecorded(result, outcome.marksNotRecorded()));
    }
    if (report == null) {
      throw ResetInterruptions.checkDidNotRun(guard.interrupted(), e, check, options);
    }
    guard.stage(() -> {}, () -> ResetInterruptions.AT_THE_END_CHECKED);
    io.out().print(VerifyText.render(report, t.display()));
    if (result.backup() != null) {
      io.out()
          .print(RestoreHint.render(io.env(), result.backup().file(), t.database(), sameTarget));
    }
    if (!report.ok()) {
      throw new ExitException(ExitStatus.VERIFICATION_FAILED, ResetText.checkFailed(report));
    }
    return 0;
  }
}

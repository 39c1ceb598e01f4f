package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.audit.AgentConsent;
import io.proddatareset.audit.AuditTrail;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.PartialFiles;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.Abandon;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.PlannedTable;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.reset.BackupLocation;
import io.proddatareset.reset.ResetOptions;
import io.proddatareset.reset.ResetResult;
import io.proddatareset.reset.ResetService;
import io.proddatareset.reset.SharedSequences;
import io.proddatareset.reset.Verifier;
import io.proddatareset.reset.VerifyReport;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code reset}: plan, confirm, then lock, back up, truncate, check and commit in one transaction
 * ({@link ResetService}), then verify on a fresh read-only connection.
 */
@Command(
    name = "reset",
    description = {
      "Reset the tables the policy names: show the plan, ask for the database name, then in one"
          + " transaction lock the tables, back them up (verified), TRUNCATE them in one statement,"
          + " check that kept tables are untouched, and commit; then verify read-only.",
      "Any failure before the commit rolls back: the database is as it was and the partial backup"
          + " is removed."
    })
public class ResetCommand extends IoCommand {
  @Mixin TargetAndPolicy in;
  @Mixin ResetSwitches switches;

  @Override
  public Integer call() {
    ConnectionTarget t = in.resolve(io);
    return run(io, t, in.target.sameTarget(), in.policy, switches);
  }

  /**
   * Shared with the top-level command's seed form ({@code URL --backup FILE}).
   *
   * @param sameTarget how {@code t} was named, to name it the same way in the restore command
   */
  static int run(
      Io io,
      ConnectionTarget t,
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
            .rolledBackBy(ResetService.RolledBack.class::isInstance);
    if (options.noBackupReason() != null) {
      audit.noBackupReason(options.noBackupReason());
    }
    return InterruptGuard.run(
        io,
        audit,
        "reset",
        "Interrupted before the reset started: nothing was changed.",
        guard -> reset(io, t, sameTarget, policy, s, options, check, audit, guard));
  }

  private static int reset(
      Io io,
      ConnectionTarget t,
      TargetOptions.SameTarget sameTarget,
      PolicyOptions policy,
      ResetSwitches s,
      ResetOptions options,
      String check,
      AuditTrail audit,
      InterruptGuard guard) {
    AgentConsent.Check consent = AgentConsent.require(io.env(), "reset");
    audit.consent(consent.consent());
    // before the plan and the confirmation: another reset would change what they show
    ResetService.refuseIfAnotherIsRunning(new Connector(t));

    ResetPlan plan = PlanService.plan(t, policy.policy(), PlanOptions.exactCounts());
    audit.plan(plan.planId(), rows(plan));
    io.out().print(PlanText.renderForReset(plan, t.display()));
    io.out().flush();
    if (plan.refused()) {
      throw ExitException.refused(PlanCommand.refusal(plan));
    }
    if (s.planId != null && !s.planId.equals(plan.planId())) {
      throw ExitException.refused(
          "The plan id is "
              + plan.planId()
              + ", not the reviewed "
              + s.planId
              + ": the database, its schema or the policy changed. Review the new plan. Nothing was changed.");
    }
    if (plan.resetTables().isEmpty()) {
      // nothing to lock, back up or truncate: say so rather than run an empty transaction
      io.out().println();
      io.out()
          .println(
              "Nothing to reset: the policy resets no table; nothing was changed"
                  + (options.backupFile() != null ? " and no backup was written." : "."));
      return 0;
    }
    if (options.restartIdentity()) {
      // before the confirmation; checked again inside the reset's transaction
      SharedSequences.refuseRestart(new Connector(t), plan.resetTables());
    }
    List<String> truncateTriggers = truncateTriggers(plan);
    io.err().println();
    io.err()
        .println(
            "About to reset "
                + Counts.of(plan.resetTables().size(), "table", "tables")
                + " ("
                + Counts.of(plan.rowsToReset(), "row", "rows")
                + ") in "
                + t.display()
                + " and keep "
                + Counts.number(plan.keptTables().size())
                + ".");
    io.err()
        .println(
            options.backupFile() != null
                ? "The rows removed are backed up first to " + options.backupFile() + "."
                : "NO BACKUP will be written (--no-backup: " + options.noBackupReason() + ").");
    if (!truncateTriggers.isEmpty()) {
      io.err()
          .println(
              "Note: ON TRUNCATE triggers will fire: " + String.join(", ", truncateTriggers) + ".");
    }
    if (options.backupFile() != null) {
      BackupLocation.prepare(options.backupFile());
      // before the confirmation: a killed run's leftovers may hold production rows
      for (PartialFiles.Stale stale : PartialFiles.leftBehind(options.backupFile())) {
        io.err().println("warning: " + stale.warning());
      }
    }
    Confirmation.require(io, plan.database(), s.confirm, "reset these tables");

    Connector connector = new Connector(t);
    BackupProgress progress = ProgressPrinter.forIo(io);
    ResetService service =
        new ResetService(
            connector, options, step -> io.err().println("  " + step + " ..."), progress);
    guard.stage(service::interrupt, () -> ResetInterruptions.stoppedLine(service, check, options));
    audit.started();
    ResetResult result;
    try {
      result = service.run(plan);
    } catch (ExitException e) {
      throw service.step() == ChangeStep.COMMITTING
          ? ResetInterruptions.commitUnknown(e, guard.interrupted(), check)
          : e;
    } finally {
      ProgressPrinter.finish(progress);
    }
    if (result.alreadyEmpty()) {
      audit.tables(rows(result.plan())).succeeded();
      guard.stage(
          () -> {},
          () ->
              "Interrupted at the end: the reset tables were already empty; nothing was changed.");
      int n = result.truncated().size();
      io.out().println();
      io.out()
          .println(
              "Nothing to remove: the "
                  + n
                  + (n == 1 ? " reset table was" : " reset tables were")
                  + " already empty; nothing was changed"
                  + (options.backupFile() != null ? " and no backup was written." : "."));
      return 0;
    }
    if (result.backup() != null) {
      audit.backup(result.backup().file().toString(), result.backup().manifest().fileSha256());
    }
    audit.tables(rows(result.plan())).succeededAfterCommit(io.err()::println);

    io.out().println();
    io.out()
        .println(
            "Reset committed: "
                + Counts.of(result.truncated().size(), "table", "tables")
                + " emptied ("
                + Counts.of(result.rowsRemoved(), "row", "rows")
                + ") in "
                + result.millis()
                + " ms; "
                + Counts.of(result.kept().size(), "kept table", "kept tables")
                + " unchanged.");
    if (result.backup() != null) {
      io.out()
          .println(
              "Backup: "
                  + result.backup().file()
                  + " ("
                  + Counts.of(result.backup().manifest().totalRows(), "row", "rows")
                  + ", sha256 "
                  + result.backup().manifest().fileSha256().substring(0, 16)
                  + "...),"
                  + " manifest "
                  + result.backup().manifestFile());
    }
    // committed and audited: what follows is a second look, not part of the reset
    return verifyAfterCommit(
        io,
        connector,
        result,
        sameTarget,
        guard,
        ResetInterruptions.afterCommitLine(check, options),
        check);
  }

  /** The check on a fresh read-only connection, after the commit. */
  private static int verifyAfterCommit(
      Io io,
      Connector connector,
      ResetResult result,
      TargetOptions.SameTarget sameTarget,
      InterruptGuard guard,
      String stoppedLine,
      String check) {
    VerifyReport report;
    try (Connection c = connector.open()) {
      guard.stage(() -> Abandon.cancelAndClose(c), () -> stoppedLine);
      report =
          Verifier.verifyReadOnly(c, result.plan().database(), result.truncated(), result.kept());
    } catch (SQLException | ExitException e) {
      if (guard.interrupted()) {
        throw new ExitException(ExitStatus.INTERRUPTED, stoppedLine, e);
      }
      // committed but not proven: 4, never 1 (which would say the reset did not happen)
      throw new ExitException(
          ExitStatus.VERIFICATION_FAILED,
          "The reset was committed, but the verification afterwards failed to run: "
              + ExitException.firstLine(e)
              + ". "
              + check,
          e);
    }
    guard.stage(
        () -> {},
        () ->
            "Interrupted at the end: the reset was committed and checked afterwards (see the"
                + " result above).");
    io.out().print(VerifyText.render(report, connector.target().display()));
    if (result.backup() != null) {
      io.out()
          .print(
              RestoreHint.render(
                  io.env(), result.backup().file(), connector.target().database(), sameTarget));
    }
    if (!report.ok()) {
      throw new ExitException(
          ExitStatus.VERIFICATION_FAILED,
          "The reset was committed, but the verification afterwards failed: "
              + String.join(
                  "; ", report.failures().stream().map(VerifyReport.Check::problem).toList())
              + " (another session may have written since the commit).");
    }
    return 0;
  }

  private static Map<String, Long> rows(ResetPlan plan) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (var name : plan.resetTables()) {
      m.put(name.display(), plan.table(name).map(PlannedTable::rows).orElse(-1L));
    }
    return m;
  }

  private static List<String> truncateTriggers(ResetPlan plan) {
    return plan.resetTables().stream()
        .flatMap(n -> plan.catalog().table(n).stream())
        .flatMap(
            tb ->
                tb.firingTruncateTriggers().stream()
                    .map(tr -> tr.name() + " on " + tb.name().display()))
        .toList();
  }
}

package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.audit.AuditTrail;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.reset.ResetOptions;
import io.proddatareset.reset.ResetResult;
import io.proddatareset.reset.ResetRun;
import io.proddatareset.reset.VerifyReport;

/**
 * The reset once confirmed, for {@link ResetCommand}: runs it with progress on stderr, records the
 * audit trail, prints the result, the check after the commit and the restore commands, and maps an
 * unproven commit or an interrupt to its exit code.
 */
final class ResetSteps {
  private ResetSteps() {}

  static int run(
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
    if (outcome.nothingReset()) {
      audit.succeeded(); // the row reset's plan under its locks had no row: nothing was changed
      return 0;
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

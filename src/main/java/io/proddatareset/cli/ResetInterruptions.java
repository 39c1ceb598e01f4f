package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.Program;
import io.proddatareset.backup.ManifestFile;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.reset.ResetOptions;
import io.proddatareset.reset.ResetRun;
import io.proddatareset.reset.ResetService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What Ctrl-C at each point of a reset leaves, each in one line, for the reset command's {@link
 * InterruptGuard}. The steps inside the reset's transaction that roll back are described by {@link
 * ResetService} itself; these are the lines about the commit and what comes after it.
 */
final class ResetInterruptions {
  private ResetInterruptions() {}

  /** An interrupt at the end of a reset that found the reset tables empty already. */
  static final String AT_THE_END_ALREADY_EMPTY =
      "Interrupted at the end: the reset tables were already empty; nothing was changed.";

  /** An interrupt at the end of a reset that was committed and checked afterwards. */
  static final String AT_THE_END_CHECKED =
      "Interrupted at the end: the reset was committed and checked afterwards (see the result"
          + " above).";

  /**
   * What an interrupt leaves while the reset runs ({@link ResetRun#step}), if the reset cannot say.
   *
   * @param check how to check the outcome, from {@link #howToCheck}
   */
  static String stoppedLine(ChangeStep step, String check, ResetOptions o) {
    return switch (step) {
      case COMMITTING ->
          "Interrupted while committing, and the commit has not answered: the outcome is unknown"
              + (o.backupFile() != null ? "; the backup " + o.backupFile() + " is kept" : "")
              + ". "
              + check;
      case COMMITTED -> afterCommitLine(check, o);
      default -> InterruptGuard.abandonedLine(step.description());
    };
  }

  /** An interrupt after the commit, before the check afterwards had its result. */
  static String afterCommitLine(String check, ResetOptions o) {
    return "Interrupted after the commit: the reset was committed ("
        + (o.backupFile() != null ? "backup " + o.backupFile() : "no backup: --no-backup")
        + "); the check afterwards did not run. "
        + check;
  }

  /**
   * How to check a reset's outcome, to end a line with: "To check: " and the {@code verify} command
   * that runs as printed (the program as the user ran it, the same target options), with the
   * reset's manifest, which names the tables and the kept tables' hashes; without a backup, with
   * the run's policy options, or if they cannot be repeated on one line, saying so.
   *
   * @param policyOptions the run's policy options from {@link PolicyOptions#asGiven}, or null
   */
  static String howToCheck(
      Map<String, String> env,
      TargetOptions.SameTarget target,
      List<String> policyOptions,
      ResetOptions o) {
    List<String> verify = new ArrayList<>(List.of("verify"));
    verify.addAll(target.options());
    String rest = "";
    if (o.backupFile() != null) {
      verify.addAll(List.of("--manifest", ManifestFile.pathFor(o.backupFile()).toString()));
    } else if (policyOptions != null) {
      verify.addAll(policyOptions);
    } else {
      rest = " with this run's policy options";
    }
    return "To check"
        + (target.passwordLeftOut()
            ? " (the password of the URL is left out: supply it through PGPASSWORD or ~/.pgpass)"
            : "")
        + ": "
        + Program.commandLine(env, verify)
        + rest;
  }

  /**
   * The check after the commit did not run: interrupted (130), or the commit not proven (4, never
   * 1, which would say the reset did not happen).
   */
  static ExitException checkDidNotRun(
      boolean interrupted, Exception e, String check, ResetOptions options) {
    return interrupted
        ? new ExitException(ExitStatus.INTERRUPTED, afterCommitLine(check, options), e)
        : new ExitException(ExitStatus.VERIFICATION_FAILED, ResetText.checkDidNotRun(e, check), e);
  }
}

package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.backup.BackupOptions;
import io.proddatareset.backup.BackupResult;
import io.proddatareset.backup.SnapshotBackup;
import io.proddatareset.backup.SubsetSnapshotBackup;
import io.proddatareset.connect.Connector;
import io.proddatareset.plan.Policy;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine.Mixin;

/**
 * {@code backup --where / --reference / --tenant-key} (or a policy file's {@code where:}): a subset
 * backup of the rows a subset reset would remove, with the options of plan and reset.
 */
class SubsetBackupOptions {
  @Mixin RowSelectionOptions rows;

  /**
   * Refuses a backup that does not say what to back up: the policy's tables, {@code --all}, or rows
   * ({@code --where}), in combinations that go together.
   *
   * @throws ExitException USAGE saying what to give
   */
  void checkWhat(boolean all, boolean toStdout, Policy policy) {
    if (!given(all, toStdout, policy) && !all && policy.empty()) {
      throw ExitException.usage(
          "Say which tables to back up: the policy options of plan (--keep, --reset, --policy)"
              + " for the tables a reset would empty, or --all for every table.");
    }
    if (all && !(policy.keep().isEmpty() && policy.reset().isEmpty())) {
      throw ExitException.usage("--all backs up every table: give it without --keep or --reset.");
    }
  }

  /**
   * True when the options or {@code policy} select rows ({@code --where}, {@code where:}).
   *
   * @throws ExitException USAGE for options that do not go with it (or with its absence)
   */
  boolean given(boolean all, boolean toStdout, Policy policy) {
    Policy.Rows selection = policy.rows().plus(rows.rows());
    if (!selection.selects()
        && (!selection.references().isEmpty() || selection.tenantKey() != null)) {
      throw ExitException.usage("--reference and --tenant-key work with --where: add --where.");
    }
    if (selection.selects()
        && (all || toStdout || !policy.keep().isEmpty() || !policy.reset().isEmpty())) {
      throw ExitException.usage(
          "--where backs up the rows it selects, to a file: give it without --all, --keep or"
              + " --reset, and with --output FILE.");
    }
    return selection.selects();
  }

  /** A backup that {@link #run}s once and can be {@link #interrupt}ed from another thread. */
  interface Run {
    BackupResult run();

    void interrupt();

    /** A run that is {@code run} and stops with {@code interrupt}. */
    static Run of(Supplier<BackupResult> run, Runnable interrupt) {
      return new Run() {
        @Override
        public BackupResult run() {
          return run.get();
        }

        @Override
        public void interrupt() {
          interrupt.run();
        }
      };
    }
  }

  /**
   * The subset backup of the selection to {@code file} with {@code --where}, else {@code whole}.
   */
  Run orWhole(
      SnapshotBackup whole,
      Connector connector,
      List<String> schemas,
      Policy policy,
      Path file,
      BackupOptions options) {
    if (!policy.rows().plus(rows.rows()).selects()) {
      return Run.of(whole::run, whole::interrupt);
    }
    SubsetSnapshotBackup subset =
        new SubsetSnapshotBackup(
            connector,
            schemas,
            (catalog, keys) -> rows.resolve(catalog, keys, policy),
            file,
            options);
    return Run.of(subset::run, subset::interrupt);
  }
}

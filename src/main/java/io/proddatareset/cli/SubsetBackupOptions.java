package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.backup.BackupOptions;
import io.proddatareset.backup.BackupResult;
import io.proddatareset.backup.SnapshotBackup;
import io.proddatareset.backup.SubsetSnapshotBackup;
import io.proddatareset.connect.Connector;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.RowSelection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code backup --where / --reference / --tenant-key}: a subset backup of the rows a subset reset
 * would remove. (The same options as plan's; the coordinator may unify them into one mixin.)
 */
class SubsetBackupOptions {
  @Option(
      names = "--where",
      paramLabel = "'TABLE: CONDITION'",
      description =
          "Back up only the rows of TABLE matching the SQL condition, and every row that depends on"
              + " them through foreign keys (the rows a reset with the same --where deletes, and"
              + " the rows it updates, as they are now): a subset backup, which restore puts back"
              + " into the live tables. Repeatable.")
  List<String> where = new ArrayList<>();

  @Option(
      names = "--reference",
      paramLabel = "'CHILD(col, ...) -> PARENT(col, ...)'",
      description =
          "With --where: a reference the schema does not declare, followed like a NO ACTION"
              + " foreign key. Repeatable.")
  List<String> references = new ArrayList<>();

  @Option(
      names = "--tenant-key",
      paramLabel = "COLUMN",
      description =
          "With --where: every table with this column references the selected table's key.")
  String tenantKey;

  /**
   * True when {@code --where} was given.
   *
   * @throws ExitException USAGE for options that do not go with it (or with its absence)
   */
  boolean given(boolean all, boolean toStdout, Policy policy) {
    if (where.isEmpty() && (!references.isEmpty() || tenantKey != null)) {
      throw ExitException.usage("--reference and --tenant-key work with --where: add --where.");
    }
    if (!where.isEmpty()
        && (all || toStdout || !policy.keep().isEmpty() || !policy.reset().isEmpty())) {
      throw ExitException.usage(
          "--where backs up the rows it selects, to a file: give it without --all, --keep or"
              + " --reset, and with --output FILE.");
    }
    return !where.isEmpty();
  }

  /** A backup that {@link #run}s once and can be {@link #interrupt}ed from another thread. */
  interface Run {
    BackupResult run();

    void interrupt();
  }

  /**
   * The subset backup of the selection to {@code file} with {@code --where}, else {@code whole}.
   */
  Run orWhole(
      SnapshotBackup whole,
      Connector connector,
      List<String> schemas,
      Path file,
      BackupOptions options) {
    if (where.isEmpty()) {
      return new Run() {
        @Override
        public BackupResult run() {
          return whole.run();
        }

        @Override
        public void interrupt() {
          whole.interrupt();
        }
      };
    }
    SubsetSnapshotBackup rows =
        new SubsetSnapshotBackup(
            connector,
            schemas,
            (catalog, keys) -> RowSelection.resolve(catalog, keys, where, references, tenantKey),
            file,
            options);
    return new Run() {
      @Override
      public BackupResult run() {
        return rows.run();
      }

      @Override
      public void interrupt() {
        rows.interrupt();
      }
    };
  }
}

package io.proddatareset.reset;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.backup.BackupInProgress;
import io.proddatareset.backup.BackupOptions;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.BackupWriter;
import io.proddatareset.catalog.Table;
import io.proddatareset.connect.Connector;
import io.proddatareset.plan.ResetPlan;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The reset's backup: begun from the copy's snapshot, completed under the final phase's locks with
 * the rows written since (or made again, whole, when a table lost rows since the snapshot).
 */
final class ResetBackup {
  private final Connector connector;
  private final ResetOptions options;
  private final ResetService.Listener listener;
  private final BackupProgress progress;

  ResetBackup(
      Connector connector,
      ResetOptions options,
      ResetService.Listener listener,
      BackupProgress progress) {
    this.connector = connector;
    this.options = options;
    this.listener = listener;
    this.progress = progress;
  }

  /** Starts the backup of {@code tables} from the snapshot of {@code conn}'s transaction. */
  BackupInProgress begin(Connection conn, ResetPlan plan, List<Table> tables) {
    try {
      return BackupWriter.begin(
          conn,
          connector::open,
          tables,
          options.backupFile(),
          BackupOptions.defaults()
              .withJobs(options.jobs())
              .withPlanId(plan.planId())
              .withTarget(connector.target().display())
              .withGzipLevel(options.gzipLevel())
              .withProgress(progress));
    } catch (ExitException e) {
      throw ResetFailures.rolledBackInstead(e);
    }
  }

  /**
   * The rows written since S go into the backup as further blocks, parents first; when a table lost
   * or changed rows since S, the backup is made again, whole, under the locks (writers wait for
   * that copy: the step says so).
   */
  BackupInProgress complete(
      Connection t, ResetPlan plan, BackupInProgress backup, List<SinceSnapshot.Change> changes) {

    List<SinceSnapshot.Change> lost =
        changes.stream().filter(c -> c.lostRows(backup.rows(c.table().name()))).toList();
    if (!lost.isEmpty()) {
      backup.close();
      listener.step(
          lost.stream().map(c -> c.table().name().display()).collect(Collectors.joining(", "))
              + " lost or changed rows"
              + " during the copy: backing up the reset tables again under the lock"
              + " (writers wait for this copy)");
      return begin(t, plan, changes.stream().map(SinceSnapshot.Change::table).toList());
    }
    Map<Table, String> toAppend = SinceSnapshot.toAppend(changes);
    if (!toAppend.isEmpty()) {
      listener.step(
          "Adding the "
              + Counts.of(changes.stream().mapToLong(SinceSnapshot.Change::written).sum(), "row")
              + " written during the copy to the backup");
    }
    try {
      for (Map.Entry<Table, String> e : toAppend.entrySet()) {
        backup.append(t, e.getKey(), e.getValue());
      }
    } catch (ExitException e) {
      throw ResetFailures.rolledBackInstead(e);
    }
    return backup;
  }

  static long rowsIn(BackupInProgress backup, List<SinceSnapshot.Change> changes) {
    return changes.stream().mapToLong(c -> backup.rows(c.table().name())).sum();
  }
}

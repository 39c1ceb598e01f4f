package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.pg.OneAtATime;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.Transactions;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The dry run of a restore into live tables ({@code restore --dry-run} of a subset backup): what
 * {@link LiveRestoreRun} would insert and update, the triggers that would fire on those rows, how
 * the foreign keys are kept and a cycle loaded, and what would refuse it, a key taken since
 * included.
 *
 * <p>Transaction: one {@code REPEATABLE READ} transaction that is always rolled back. It writes
 * only to temporary tables of its own (the blocks, to compare their keys with the live rows); the
 * live tables are only read (ACCESS SHARE locks, waited for at most the lock timeout), no trigger
 * fires and {@link OneAtATime} is only looked up.
 */
final class LiveRestorePreviewer {
  private LiveRestorePreviewer() {}

  static RestorePreview preview(Connection conn, Restorer.Contents contents, RestoreOptions options)
      throws SQLException {
    BackupManifest m = contents.manifest();
    return Transactions.rolledBack(
        conn,
        c -> {
          try (Statement st = c.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
          }
          SessionSettings.pin(
              c,
              "lock_timeout",
              SessionSettings.millis(options.lockTimeout()),
              "statement_timeout",
              "0");
          List<String> refusals = new ArrayList<>();
          List<String> warnings = new ArrayList<>();
          BackupOrigin origin = new BackupOrigin(m, DatabaseIdentity.of(c));
          OneAtATime.refusalWhileHeld(c).ifPresent(refusals::add);
          LiveRestoreRun run = new LiveRestoreRun(new RestoreLoad.Job(null, c, contents, options));
          boolean fileChecked = false;
          try {
            run.prepare();
            fileChecked = true;
          } catch (ExitException e) {
            if (e.status() != ExitStatus.REFUSED && e.status() != ExitStatus.USAGE) {
              throw e;
            }
            refusals.add(e.getMessage().replaceFirst("^Refusing to restore: ", ""));
          } catch (IOException e) {
            throw ExitException.failure(
                "Cannot read " + contents.file() + ": " + ExitException.firstLine(e) + ".", e);
          }
          if (origin.difference("backup") != null && options.allowOtherDatabase()) {
            warnings.add(origin.difference("backup") + " (allowed by --allow-other-database)");
          }
          List<RestorePreview.Table> tables = new ArrayList<>();
          for (BackupManifest.TableEntry e : m.tables()) {
            tables.add(
                new RestorePreview.Table(
                    LiveRestoreReport.listedName(e.action(), e.name()),
                    e.rows(),
                    e.action().equals(BackupManifest.TableEntry.DELETE) ? "insert" : "update"));
          }
          // with every block loaded, what the updates would find; else the plan alone
          LiveRestoreReport live =
              run.plan() == null
                  ? null
                  : fileChecked
                      ? run.preview()
                      : run.plan().report(null, options.disableTriggers(), m.sequences());
          return new RestorePreview(
              origin, tables, List.of(), List.of(), fileChecked, refusals, warnings, live);
        });
  }
}

package io.proddatareset.backup;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.SqlState;
import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The restore of a subset backup into live tables, inside the transaction {@link Restorer} begins
 * and ends (READ COMMITTED, after its {@code OneAtATime} claim): the app goes on using these
 * tables, so their foreign keys are never dropped, no table is locked beyond what INSERT and UPDATE
 * take (ROW EXCLUSIVE, waited for at most the lock timeout), and sequences are never set back.
 *
 * <p>Steps: every block is loaded into a temporary table of its own and checked against the
 * manifest; a deleted row whose key is now taken by another row refuses the restore (exit 3, naming
 * the table and the key; nothing changed); the deleted rows are inserted, parents first ({@code
 * INSERT ... OVERRIDING SYSTEM VALUE SELECT}, generated columns left to the server), with a cycle
 * handled as {@link LiveRestorePlan} says; then the updated rows get their {@code updatedColumns}
 * back, found by key. A row updated by the reset that is gone since cannot get its columns back:
 * the restore goes ahead and reports it (with up to five keys), since the rows it deleted matter
 * most and that row is not coming back through this backup.
 *
 * <p>Triggers fire as they would for the app's own inserts and updates (the dry run lists them);
 * with {@link RestoreOptions#disableTriggers} the tables' user triggers are disabled until the
 * commit, which takes a lock that blocks the app's writes to those tables until then.
 */
final class LiveRestoreRun extends RestoreLoad {
  private final List<Long> loaded = new ArrayList<>();
  private LiveRestorePlan plan;
  private LiveRestoreRows rows;
  // what the restore does now, for a lock it waits for too long: "could not <doing> within ..."
  private String doing = "read the tables";

  LiveRestoreRun(Job job) {
    super(job);
  }

  private static String temp(int i) {
    return LiveRestoreRows.temp(i);
  }

  RestoreResult execute() throws SQLException, IOException {
    try {
      prepare();
    } catch (SQLException e) {
      throw explain(e);
    }
    return apply();
  }

  /**
   * Everything before the first change to a live table: the checks, the blocks loaded into
   * temporary tables and checked against the manifest, the refusal of a key that is taken. The dry
   * run stops here (and rolls back).
   *
   * @throws ExitException REFUSED (or USAGE) when the restore cannot go ahead
   */
  void prepare() throws SQLException, IOException {
    BackupManifest m = contents.manifest();
    if (options.only() != null) {
      throw ExitException.usage(
          "--only does not apply to a subset backup: its rows go back together (children need"
              + " their parents). Nothing was changed.");
    }
    SessionSettings.pinLongTransaction(
        conn, options.lockTimeout(), "row_security", "off", "xmloption", "content");
    new BackupOrigin(m, DatabaseIdentity.of(conn))
        .requireSameForRestore(options.allowOtherDatabase());
    List<TableName> names =
        m.tables().stream().map(BackupManifest.TableEntry::tableName).distinct().toList();
    List<TableName> missing = new ArrayList<>();
    Map<TableName, RestoreCatalog.Target> targets = RestoreCatalog.resolve(conn, names, missing);
    if (!missing.isEmpty()) {
      throw ExitException.refused(RestoreMessages.missingTables(missing));
    }
    plan = LiveRestorePlan.of(conn, m, targets);
    plan.requireLoadable();

    enter(ChangeStep.LOADING);
    options.progress().phase("loading");
    try (Statement st = conn.createStatement()) {
      for (int i = 0; i < m.tables().size(); i++) {
        BackupManifest.TableEntry e = m.tables().get(i);
        TableName t = e.tableName();
        // the block's rows, typed as the table's columns, apart from the live rows
        st.execute(
            "CREATE TEMPORARY TABLE "
                + Identifiers.quote("pdr_live_restore_" + i)
                + " ON COMMIT DROP AS SELECT "
                + columns(e.columns(), null)
                + " FROM "
                + plan.ownRows(t)
                + " WITH NO DATA");
      }
    }
    BackupReader.Summary summary = readFile();
    List<String> problems = ManifestCheck.problems(summary, m);
    for (int i = 0; i < Math.min(loaded.size(), m.tables().size()); i++) {
      if (loaded.get(i) != m.tables().get(i).rows()) {
        problems.add(m.tables().get(i).name() + ": the server loaded " + loaded.get(i) + " rows");
      }
    }
    if (!problems.isEmpty()) {
      throw ExitException.refused(
          "The backup does not match its manifest ("
              + String.join("; ", problems)
              + "). Nothing was restored (rolled back).");
    }
    try (Statement st = conn.createStatement()) {
      // statistics for the joins by key below (a temporary table has none, autovacuum skips it)
      for (int i = 0; i < m.tables().size(); i++) {
        st.execute("ANALYZE " + temp(i));
      }
    }
    rows = new LiveRestoreRows(conn, plan, m);
    rows.refuseTakenKeys(m);
  }

  /**
   * The dry run's report, after {@link #prepare}: per update entry, its rows no longer in the table
   * and those the app has changed since (nothing restored yet).
   */
  LiveRestoreReport preview() throws SQLException {
    BackupManifest m = contents.manifest();
    List<LiveRestorePlan.Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < m.tables().size(); i++) {
      BackupManifest.TableEntry e = m.tables().get(i);
      outcomes.add(
          e.action().equals(BackupManifest.TableEntry.UPDATE)
              ? rows.updateOutcome(i, e).outcome(e, 0)
              : LiveRestorePlan.Outcome.NONE);
    }
    return plan.report(outcomes, options.disableTriggers(), m.sequences());
  }

  /** The plan {@link #prepare} found. */
  LiveRestorePlan plan() {
    return plan;
  }

  /** The inserts and updates, after {@link #prepare}. */
  private RestoreResult apply() throws SQLException {
    BackupManifest m = contents.manifest();
    enter(ChangeStep.VALIDATING);
    options.progress().phase("inserting and updating rows in the live tables");
    List<RestoreCatalog.TriggerState> triggersBefore = disableTriggers();
    try (Statement st = conn.createStatement()) {
      for (LiveRestoreCatalog.Key k : plan.deferred()) {
        st.execute("SET CONSTRAINTS " + k.sql() + " DEFERRED");
      }
      // per block, in file order: a delete entry's now, an update entry's once put back below
      List<LiveRestorePlan.Outcome> outcomes = new ArrayList<>();
      for (int i = 0; i < m.tables().size(); i++) {
        BackupManifest.TableEntry e = m.tables().get(i);
        outcomes.add(
            e.action().equals(BackupManifest.TableEntry.DELETE)
                ? LiveRestorePlan.Outcome.inserted(insert(st, i, e))
                : null);
      }
      for (Map.Entry<Integer, Set<String>> n : plan.nulled().entrySet()) {
        BackupManifest.TableEntry e = m.tables().get(n.getKey());
        doing = "fill in the keys of the cycle in " + e.tableName().display();
        st.executeUpdate(update(n.getKey(), e, List.copyOf(n.getValue())));
      }
      doing = "check the foreign keys of the rows put back";
      for (LiveRestoreCatalog.Key k : plan.deferred()) {
        // checked now, so that a failure is this restore's, before its commit
        st.execute("SET CONSTRAINTS " + k.sql() + " IMMEDIATE");
      }
      options.progress().phase("putting back the updated columns");
      for (int i = 0; i < m.tables().size(); i++) {
        BackupManifest.TableEntry e = m.tables().get(i);
        if (e.action().equals(BackupManifest.TableEntry.UPDATE)) {
          doing = "put back the updated columns of " + e.tableName().display();
          LiveRestoreRows.UpdateOutcome found = rows.updateOutcome(i, e);
          long put = e.key() == null ? 0 : st.executeUpdate(rows.putBack(i, e, found.columns()));
          outcomes.set(i, found.outcome(e, put));
        }
      }
      if (!triggersBefore.isEmpty()) {
        doing = "switch the triggers back on";
        List<Long> relations =
            RestoreCatalog.withPartitions(conn, List.copyOf(plan.targets().values()));
        RestoreRun.restoreTriggers(conn, triggersBefore, relations);
      }
      LiveRestoreReport report = plan.report(outcomes, options.disableTriggers(), m.sequences());
      List<RestoreResult.TableRows> listed = new ArrayList<>();
      for (LiveRestoreReport.Entry e : report.entries()) {
        listed.add(
            new RestoreResult.TableRows(
                LiveRestoreReport.listedName(e.action(), e.name()), e.restored()));
      }
      return new RestoreResult(
          listed,
          List.of(),
          List.of(),
          List.of(),
          true,
          0,
          options.disableTriggers() ? triggersBefore.size() : 0,
          millis(),
          report);
    } catch (SQLException e) {
      throw explain(e);
    }
  }

  /** The deleted rows of entry {@code i} back into their table; returns how many. */
  private long insert(Statement st, int i, BackupManifest.TableEntry e) throws SQLException {
    TableName t = e.tableName();
    doing = "put the deleted rows of " + t.display() + " back";
    Set<String> nulled = plan.nulled().getOrDefault(i, Set.of());
    // OVERRIDING SYSTEM VALUE: an identity column GENERATED ALWAYS takes the row's own value
    return st.executeUpdate(
        "INSERT INTO "
            + t.sql()
            + " ("
            + columns(e.columns(), null)
            + ") OVERRIDING SYSTEM VALUE SELECT "
            + columns(e.columns(), nulled)
            + " FROM "
            + temp(i));
  }

  /** Sets {@code columns} of the rows of entry {@code i}'s table from the block, by key. */
  private String update(int i, BackupManifest.TableEntry e, List<String> columns) {
    TableName t = e.tableName();
    return "UPDATE "
        + plan.ownRows(t)
        + " AS t SET "
        + columns.stream()
            .map(c -> Identifiers.quote(c) + " = s." + Identifiers.quote(c))
            .collect(Collectors.joining(", "))
        + " FROM "
        + temp(i)
        + " AS s WHERE "
        + LiveRestoreRows.keyMatch(e.key());
  }

  /**
   * With {@link RestoreOptions#disableTriggers}: disables the user triggers of the tables that
   * would fire, and returns their states before (to put back); otherwise none.
   */
  private List<RestoreCatalog.TriggerState> disableTriggers() throws SQLException {
    if (!options.disableTriggers() || plan.triggers().isEmpty()) {
      return List.of();
    }
    List<Long> relations =
        RestoreCatalog.withPartitions(conn, List.copyOf(plan.targets().values()));
    List<RestoreCatalog.TriggerState> before = RestoreCatalog.triggers(conn, relations);
    Set<TableName> tables = new LinkedHashSet<>();
    plan.triggers().forEach(t -> tables.add(t.table()));
    // ALTER TABLE ... DISABLE TRIGGER takes SHARE ROW EXCLUSIVE: taken first in short attempts, so
    // that the app's writers do not queue behind a waiting ALTER for the whole lock timeout
    lockInAttempts(
        LockAttempts.Mode.SHARE_ROW_EXCLUSIVE,
        tables,
        "the "
            + Counts.of(tables.size(), "table")
            + " whose triggers --disable-triggers switches off",
        "Nothing was changed (rolled back); try again when they are idle, or give them longer with"
            + " --lock-timeout, or restore without --disable-triggers.");
    try (Statement st = conn.createStatement()) {
      for (TableName t : tables) {
        doing = "switch off the triggers of " + t.display();
        st.execute("ALTER TABLE " + t.sql() + " DISABLE TRIGGER USER");
      }
    } catch (SQLException e) {
      throw explain(e);
    }
    return before;
  }

  /** The columns, quoted, for a select list; those in {@code nulled} as NULL. */
  private static String columns(List<String> columns, Set<String> nulled) {
    return columns.stream()
        .map(
            c ->
                nulled != null && nulled.contains(c)
                    ? "NULL AS " + Identifiers.quote(c)
                    : Identifiers.quote(c))
        .collect(Collectors.joining(", "));
  }

  /** A failed statement in words: a lock not granted in time, or a key the rows conflict with. */
  private ExitException explain(SQLException e) {
    if (SqlState.isLockTimeout(e)) {
      return lockTimedOut(
          e,
          doing,
          "Nothing was changed (rolled back); try again, or give it longer with --lock-timeout.");
    }
    if ("23505".equals(e.getSQLState()) || "23P01".equals(e.getSQLState())) {
      return new ExitException(
          ExitStatus.REFUSED,
          "Refusing to restore: a row the backup puts back conflicts with a row in the table now ("
              + ExitException.firstLine(e)
              + "). Nothing was changed (rolled back); remove or change that row, then restore"
              + " again.",
          e);
    }
    if ("23503".equals(e.getSQLState())) {
      return new ExitException(
          ExitStatus.REFUSED,
          "Refusing to restore: a row the backup puts back references a row that is no longer"
              + " there ("
              + ExitException.firstLine(e)
              + "). Nothing was changed (rolled back).",
          e);
    }
    return new ExitException(
        ExitStatus.FAILURE,
        "Restore failed: " + ExitException.firstLine(e) + ". Nothing was changed (rolled back).",
        e);
  }

  /** Block {@code i} of the file into temporary table {@code i}. */
  @Override
  public void copy(CopyStatement statement, InputStream data) throws IOException, SQLException {
    int i = loaded.size();
    if (i >= contents.manifest().tables().size()) {
      loaded.add(0L);
      return;
    }
    long rows =
        copyIn(
            "COPY " + temp(i) + " (" + columns(statement.columns(), null) + ") FROM STDIN",
            statement.table(),
            data);
    loaded.add(rows);
  }

  /** Sequences are never set back on live tables: the app goes on drawing from them. */
  @Override
  public void setval(SetvalStatement statement) {}
}

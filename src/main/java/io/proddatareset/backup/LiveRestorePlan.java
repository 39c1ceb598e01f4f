package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a subset backup goes back into live tables, found before anything is changed (the restore and
 * its dry run share it): the tables, the foreign keys (never dropped: the app is using these
 * tables), and how a cycle among the restored rows is loaded without superuser rights.
 *
 * <p>Delete entries are inserted in file order (parents first). A key from a table to one whose
 * rows are inserted later (a cycle: a country and its capital) cannot be checked row by row: a
 * deferrable one is deferred to the end of the load ({@code SET CONSTRAINTS ... DEFERRED}, then
 * {@code IMMEDIATE}); any other has its columns inserted NULL and set from the backup afterwards,
 * by the table's key. A self-reference needs neither: a non-deferred key is checked at the end of
 * the statement, and one statement inserts all of a table's rows.
 *
 * @param entries the manifest's entries, in file order
 * @param targets each table's object id
 * @param partitioned the partitioned tables among them
 * @param nulled per delete entry (by index), the columns inserted NULL and set afterwards
 * @param setAfter the keys whose columns are set afterwards
 * @param deferred the deferrable keys deferred to the end of the load
 * @param refusals why the restore cannot go ahead (a key column that cannot wait), empty when it
 *     can
 */
record LiveRestorePlan(
    List<BackupManifest.TableEntry> entries,
    Map<TableName, Long> targets,
    Set<TableName> partitioned,
    Map<Integer, Set<String>> nulled,
    List<LiveRestoreCatalog.Key> setAfter,
    List<LiveRestoreCatalog.Key> deferred,
    List<LiveRestoreCatalog.FiringTrigger> triggers,
    List<String> refusals) {

  /** The plan for {@code manifest}'s entries in the tables {@code targets} names. */
  static LiveRestorePlan of(
      Connection c, BackupManifest manifest, Map<TableName, RestoreCatalog.Target> targets)
      throws SQLException {
    List<BackupManifest.TableEntry> entries = manifest.tables();
    Map<TableName, Long> oids = new HashMap<>();
    targets.forEach((n, t) -> oids.put(n, t.oid()));
    Set<TableName> partitioned = new LinkedHashSet<>();
    for (var t : targets.values()) {
      if (LiveRestoreCatalog.partitioned(c, t.oid())) {
        partitioned.add(t.name());
      }
    }
    // the position at which each table's deleted rows are inserted
    Map<TableName, Integer> insertedAt = new HashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).action().equals(BackupManifest.TableEntry.DELETE)) {
        insertedAt.putIfAbsent(entries.get(i).tableName(), i);
      }
    }
    List<Long> insertedOids = insertedAt.keySet().stream().map(oids::get).toList();
    List<Long> updatedOids =
        entries.stream()
            .filter(e -> e.action().equals(BackupManifest.TableEntry.UPDATE))
            .map(e -> oids.get(e.tableName()))
            .distinct()
            .toList();
    Map<Integer, Set<String>> nulled = new HashMap<>();
    List<LiveRestoreCatalog.Key> setAfter = new ArrayList<>();
    List<LiveRestoreCatalog.Key> deferred = new ArrayList<>();
    List<String> refusals = new ArrayList<>();
    for (LiveRestoreCatalog.Key k : LiveRestoreCatalog.keys(c, insertedOids)) {
      Integer from = insertedAt.get(k.child());
      Integer to = insertedAt.get(k.parent());
      if (from == null || to == null || to <= from) {
        continue;
      }
      if (k.deferrable()) {
        deferred.add(k);
        continue;
      }
      BackupManifest.TableEntry e = entries.get(from);
      Map<String, LiveRestoreCatalog.ColumnFacts> columns =
          LiveRestoreCatalog.columns(c, oids.get(k.child()));
      List<String> notNull =
          k.childColumns().stream()
              .filter(col -> columns.containsKey(col) && columns.get(col).notNull())
              .toList();
      if (e.key() == null || !notNull.isEmpty()) {
        refusals.add(
            "the rows of "
                + k.child().display()
                + " go in before those of "
                + k.parent().display()
                + " they reference by "
                + k.display()
                + ", a key that is not deferrable, and "
                + (e.key() == null
                    ? k.child().display() + " has no key to set its columns by afterwards"
                    : "its column " + Identifiers.display(notNull.get(0)) + " cannot be NULL")
                + ": make the key DEFERRABLE to restore these rows");
        continue;
      }
      nulled.computeIfAbsent(from, x -> new LinkedHashSet<>()).addAll(k.childColumns());
      setAfter.add(k);
    }
    return new LiveRestorePlan(
        entries,
        oids,
        partitioned,
        nulled,
        setAfter,
        deferred,
        LiveRestoreCatalog.firing(c, insertedOids, updatedOids),
        refusals);
  }

  /** The table in an UPDATE or SELECT of its own rows: ONLY unless it is partitioned. */
  String ownRows(TableName t) {
    return partitioned.contains(t) ? t.sql() : "ONLY " + t.sql();
  }

  /** Throws the first refusal, if any. */
  void requireLoadable() {
    if (!refusals.isEmpty()) {
      throw ExitException.refused(
          "Refusing to restore: " + String.join("; ", refusals) + ". Nothing was changed.");
    }
  }

  /**
   * What became of one block, or would: {@code restored} rows inserted or with a column put back,
   * {@code gone} rows of an update entry no longer in the table, {@code changed} rows in which the
   * app has changed a column the reset set, with up to five keys of each.
   */
  record Outcome(
      long restored, long gone, List<String> goneKeys, long changed, List<String> changedKeys) {
    /** Nothing done (yet), nothing found. */
    static final Outcome NONE = new Outcome(0, 0, List.of(), 0, List.of());

    /** A delete entry's rows, {@code rows} of them inserted. */
    static Outcome inserted(long rows) {
      return new Outcome(rows, 0, List.of(), 0, List.of());
    }
  }

  /**
   * The report: per block the rows it holds and, with {@code outcomes} (one per block, else null),
   * what became of them.
   */
  LiveRestoreReport report(
      List<Outcome> outcomes,
      boolean triggersDisabled,
      List<BackupManifest.SequenceEntry> sequences) {
    List<LiveRestoreReport.Entry> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      BackupManifest.TableEntry e = entries.get(i);
      Outcome o = outcomes == null ? Outcome.NONE : outcomes.get(i);
      out.add(
          new LiveRestoreReport.Entry(
              e.name(),
              e.action(),
              e.rows(),
              o.restored(),
              o.gone(),
              o.goneKeys(),
              o.changed(),
              o.changedKeys(),
              e.updatedColumns()));
    }
    return new LiveRestoreReport(
        out,
        triggers.stream().map(LiveRestoreCatalog.FiringTrigger::display).toList(),
        triggersDisabled,
        setAfter.stream().map(LiveRestoreCatalog.Key::display).toList(),
        deferred.stream().map(LiveRestoreCatalog.Key::display).toList(),
        sequences.stream().map(BackupManifest.SequenceEntry::name).toList());
  }
}

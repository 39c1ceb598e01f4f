package io.proddatareset.reset;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.backup.BackupBlocks;
import io.proddatareset.backup.BackupManifest;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.SessionSettings;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The check after a committed reset, with its marks ({@link ResetMarks}): in two steps, so that the
 * read-only transaction is not held open while the backup is read.
 *
 * <ol>
 *   <li>{@link #read}, in the caller's read-only snapshot: each reset table's rows, its storage
 *       compared with the marks, and for a table with rows their keys (primary key, or every column
 *       where there is none) as COPY text under the backup's text settings; each kept table's
 *       fingerprint compared with the one at the commit;
 *   <li>{@link #compare}, afterwards: the backup's blocks of those tables streamed once, each row's
 *       key looked up among the rows now. A row now whose key is in the backup is a row the reset
 *       removed, back.
 * </ol>
 *
 * <p>Memory grows with the rows written since the reset (16 bytes of SHA-256 a row), never with the
 * backup.
 */
final class AfterResetCheck {
  private AfterResetCheck() {}

  /**
   * What the check compares with.
   *
   * @param marks the reset's marks
   * @param restartIdentity the reset restarted identities: new rows reuse removed rows' keys, so
   *     rows are compared by every column
   * @param backup the reset's backup, or null when none was written
   * @param manifest the backup's manifest (null without a backup)
   * @param pointAtBackup what to do when the backup cannot be read, one sentence
   */
  record Against(
      ResetMarks marks,
      boolean restartIdentity,
      Path backup,
      BackupManifest manifest,
      String pointAtBackup) {

    VerifyReport.Since since() {
      return new VerifyReport.Since(marks.committedAt(), marks.xid(), backup);
    }

    BackupManifest.TableEntry entry(TableName t) {
      return manifest.tables().stream()
          .filter(e -> e.schema().equals(t.schema()) && e.table().equals(t.name()))
          .findFirst()
          .orElse(null);
    }
  }

  /** What the snapshot showed, to be compared with the backup. */
  record Seen(List<ResetSeen> reset, List<VerifyReport.Check> kept) {}

  /**
   * One reset table as the snapshot showed it.
   *
   * @param marked the reset's marks name it
   * @param sameStorage its storage is the one the TRUNCATE created; null when empty or not marked
   * @param now its rows' keys, or null when there is nothing to compare them with
   * @param cannotCompare why its rows cannot be compared with the backup, or null
   */
  record ResetSeen(
      TableName table,
      long rows,
      boolean marked,
      Boolean sameStorage,
      RowsNowKeys.RowsNow now,
      String cannotCompare) {}

  /** Step 1, in the caller's read-only transaction (see the class comment). */
  static Seen read(
      Connection c, List<TableName> resetTables, List<TableFingerprint> keptAtCommit, Against a)
      throws SQLException {
    List<ResetSeen> reset = new ArrayList<>();
    boolean pinned = false;
    for (TableFingerprint f : TableFingerprint.take(c, resetTables, TableFingerprint.Mode.COUNT)) {
      ResetMarks.TableMark mark = a.marks().mark(f.table());
      if (f.rows() == 0 || mark == null) {
        reset.add(new ResetSeen(f.table(), f.rows(), mark != null, null, null, null));
        continue;
      }
      boolean same = ResetMarks.storage(c, f.table()).equals(mark.relfilenodes());
      BackupManifest.TableEntry entry = a.backup() == null ? null : a.entry(f.table());
      if (entry == null) {
        reset.add(new ResetSeen(f.table(), f.rows(), true, same, null, null));
        continue;
      }
      if (!pinned) {
        pinTextSettings(c, a.marks());
        pinned = true;
      }
      RowsNowKeys.RowsNow now =
          RowsNowKeys.RowsNow.read(c, f.table(), entry.columns(), a.restartIdentity());
      reset.add(
          new ResetSeen(
              f.table(),
              f.rows(),
              true,
              same,
              now.columns().isEmpty() ? null : now,
              now.columns().isEmpty()
                  ? f.table().display()
                      + " has "
                      + Counts.of(f.rows(), "row")
                      + " written since the reset committed, and none of the backup's columns"
                      + " exists any more: they cannot be compared with the rows the reset"
                      + " removed"
                  : null));
    }
    return new Seen(reset, kept(c, keptAtCommit));
  }

  /** The text settings the backup's COPY ran under, for the COPY of the rows now. */
  private static void pinTextSettings(Connection c, ResetMarks marks) throws SQLException {
    List<String> settings = new ArrayList<>(List.of(SessionSettings.COPY_TEXT));
    marks
        .textSettings()
        .forEach(
            (name, value) -> {
              settings.add(name);
              settings.add(value);
            });
    settings.addAll(List.of("row_security", "off"));
    SessionSettings.pin(c, settings.toArray(String[]::new));
  }

  /** Kept tables: a fingerprint that differs from the one at the commit changed since. */
  private static List<VerifyReport.Check> kept(Connection c, List<TableFingerprint> atCommit)
      throws SQLException {
    List<VerifyReport.Check> out = new ArrayList<>();
    if (atCommit.isEmpty()) {
      return out;
    }
    Map<TableName, TableFingerprint> now = TableFingerprint.takeAgain(c, atCommit);
    for (TableFingerprint before : atCommit) {
      TableFingerprint after = now.get(before.table());
      boolean changed = before.differenceFrom(after) != null;
      String note =
          !changed
              ? null
              : after.rows() != before.rows()
                  ? "changed since the reset ("
                      + Counts.of(after.rows(), "row")
                      + " now, "
                      + Counts.number(before.rows())
                      + " at commit)"
                  : "changed since the reset (same row count, "
                      + Counts.number(after.rows())
                      + ", other content)";
      out.add(
          new VerifyReport.Check(
              before.table(),
              VerifyReport.Kind.KEPT,
              changed ? VerifyReport.Status.CHANGED_SINCE : VerifyReport.Status.OK,
              after.rows(),
              null,
              null,
              before.rows(),
              null,
              note,
              null));
    }
    return out;
  }

  /** Step 2, after the snapshot: the rows now against the backup's (see the class comment). */
  static VerifyReport compare(Seen seen, String database, Against a) {
    Map<TableName, RowsNowKeys.RowsNow> compared = new LinkedHashMap<>();
    for (ResetSeen r : seen.reset()) {
      if (r.now() != null) {
        compared.put(r.table(), r.now());
      }
    }
    String unreadable = null;
    if (!compared.isEmpty()) {
      try {
        BackupBlocks.read(
            a.backup(),
            a.manifest(),
            (table, columns, data) -> {
              RowsNowKeys.RowsNow now = compared.get(table);
              if (now != null) {
                now.scanBackup(columns, data);
              }
            });
      } catch (IOException e) {
        unreadable = why(e);
      }
    }
    List<VerifyReport.Check> checks = new ArrayList<>();
    for (ResetSeen r : seen.reset()) {
      checks.add(check(r, a, unreadable));
    }
    checks.addAll(seen.kept());
    return new VerifyReport(database, checks, a.since());
  }

  private static VerifyReport.Check check(ResetSeen r, Against a, String unreadable) {
    TableName t = r.table();
    if (r.rows() == 0) {
      return new VerifyReport.Check(
          t,
          VerifyReport.Kind.RESET,
          VerifyReport.Status.OK,
          0,
          r.marked() ? 0L : null,
          null,
          null,
          null,
          null,
          null);
    }
    if (!r.marked()) {
      return new VerifyReport.Check(
          t,
          VerifyReport.Kind.RESET,
          r.rows(),
          t.display() + " has " + Counts.of(r.rows(), "row") + "; it should be empty");
    }
    String written = Counts.of(r.rows(), "row") + " written since the reset committed";
    if (r.cannotCompare() != null) {
      return failed(r, r.cannotCompare());
    }
    if (r.now() != null && unreadable != null) {
      return failed(
          r,
          t.display()
              + " has "
              + written
              + ", and the backup "
              + a.backup()
              + " cannot be read ("
              + unreadable
              + "): they cannot be told apart from the rows the reset removed. "
              + a.pointAtBackup());
    }
    String storage =
        Boolean.TRUE.equals(r.sameStorage())
            ? ""
            : " (its storage changed since the reset: VACUUM FULL, CLUSTER or another TRUNCATE)";
    if (a.backup() == null) {
      return writtenSince(
          r,
          null,
          "reset held; "
              + written
              + storage
              + "; not compared with the rows the reset removed: no backup was written");
    }
    long back = r.now() == null ? 0 : r.now().preResetRows();
    if (back > 0) {
      return new VerifyReport.Check(
          t,
          VerifyReport.Kind.RESET,
          VerifyReport.Status.PRE_RESET_ROW,
          r.rows(),
          r.rows(),
          back,
          null,
          r.sameStorage(),
          null,
          t.display()
              + " has "
              + Counts.of(back, "row")
              + " the reset removed (of "
              + Counts.of(r.rows(), "row")
              + "; "
              + (r.now().byKey()
                  ? "same primary key as in the backup"
                  : "equal in every column to one in the backup")
              + "): pre-reset rows are back");
    }
    return writtenSince(r, 0L, "reset held; " + written + storage);
  }

  /** A reset table holding only rows written since the commit: the reset held. */
  private static VerifyReport.Check writtenSince(ResetSeen r, Long preResetRows, String note) {
    return new VerifyReport.Check(
        r.table(),
        VerifyReport.Kind.RESET,
        VerifyReport.Status.WRITTEN_SINCE,
        r.rows(),
        r.rows(),
        preResetRows,
        null,
        r.sameStorage(),
        note,
        null);
  }

  private static VerifyReport.Check failed(ResetSeen r, String problem) {
    return new VerifyReport.Check(
        r.table(),
        VerifyReport.Kind.RESET,
        VerifyReport.Status.FAILED,
        r.rows(),
        r.rows(),
        null,
        null,
        r.sameStorage(),
        null,
        problem);
  }

  private static String why(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    return ExitException.firstLine(e);
  }
}

package io.proddatareset.reset;

import io.proddatareset.catalog.TableName;
import java.util.List;
import java.util.Locale;

/**
 * The outcome of a read-only verification. Without the marks of a committed reset every reset table
 * must be empty and every kept table must still have its recorded fingerprint. With them ({@code
 * since}), rows in a reset table are rows written since the reset committed unless one equals a row
 * the reset removed, and a kept table that differs changed since the reset.
 *
 * @param since the committed reset the checks compare with, or null when there are no marks (a
 *     plain {@code verify}, a backup's manifest, an older reset's)
 */
public record VerifyReport(String database, List<Check> checks, Since since) {
  public VerifyReport {
    checks = List.copyOf(checks);
  }

  /** A report without a reset to compare with. */
  public VerifyReport(String database, List<Check> checks) {
    this(database, checks, null);
  }

  /**
   * The committed reset a check compares with.
   *
   * @param committedAt the server's clock just before its COMMIT
   * @param xid its transaction id
   * @param backup the backup its rows were compared with, or null when no backup was written
   */
  public record Since(String committedAt, String xid, java.nio.file.Path backup) {}

  /** What a check expects of its table. */
  public enum Kind {
    /** a reset table: empty, or holding only rows written since the reset committed */
    RESET,
    /** a kept table: its fingerprint unchanged, or changed since the reset committed */
    KEPT,
    /** a table a row reset deleted rows of: none of them back (other rows are the app's) */
    DELETED;

    /** The lower-case word shown in text and JSON: reset, kept. */
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What a check found. */
  public enum Status {
    /** as the reset left it: a reset table empty, a kept table unchanged */
    OK,
    /** a reset table holding rows written since the reset committed, none of them a removed row */
    WRITTEN_SINCE,
    /** a kept table that changed since the reset committed (the app writes it) */
    CHANGED_SINCE,
    /** a reset table holding a row equal to one the reset removed: a pre-reset row is back */
    PRE_RESET_ROW,
    /** anything else that does not hold, or that could not be proved */
    FAILED;

    /** True when the check holds: every status but {@code PRE_RESET_ROW} and {@code FAILED}. */
    public boolean holds() {
      return this != PRE_RESET_ROW && this != FAILED;
    }

    /** The lower-case word shown in JSON: ok, written_since, changed_since, ... */
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One table's check.
   *
   * @param rows the rows it holds now
   * @param rowsWrittenSince a reset table's rows written since the reset committed, or null when
   *     there are no marks to tell them by
   * @param preResetRows of those, the rows equal to one the reset removed; null when they were not
   *     compared (no backup, an empty table, no marks)
   * @param rowsAtCommit a kept table's rows at the commit, as recorded; null for a reset table
   * @param sameStorage for a reset table with rows and marks: true when its storage is the one the
   *     TRUNCATE created (every row in it was written after the commit), false when it changed
   *     since (VACUUM FULL, CLUSTER, another TRUNCATE); null otherwise
   * @param note what a check that holds found worth saying, without the table's name, or null
   * @param problem why it does not hold, naming the table; null when it holds
   */
  public record Check(
      TableName table,
      Kind kind,
      Status status,
      long rows,
      Long rowsWrittenSince,
      Long preResetRows,
      Long rowsAtCommit,
      Boolean sameStorage,
      String note,
      String problem) {

    /** A check without marks: it holds when {@code problem} is null. */
    public Check(TableName table, Kind kind, long rows, String problem) {
      this(
          table,
          kind,
          problem == null ? Status.OK : Status.FAILED,
          rows,
          null,
          null,
          null,
          null,
          null,
          problem);
    }

    public boolean ok() {
      return status.holds();
    }
  }

  public boolean ok() {
    return checks.stream().allMatch(Check::ok);
  }

  public List<Check> failures() {
    return checks.stream().filter(c -> !c.ok()).toList();
  }

  /** Rows written since the reset committed, over every reset table. */
  public long rowsWrittenSince() {
    return checks.stream()
        .filter(c -> c.rowsWrittenSince() != null)
        .mapToLong(Check::rowsWrittenSince)
        .sum();
  }
}

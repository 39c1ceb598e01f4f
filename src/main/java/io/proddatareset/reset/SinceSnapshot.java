package io.proddatareset.reset;

import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.Queries;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tells, for each reset table, which of the row versions present now the backup's snapshot S did
 * not see (they were written since and must be appended to the backup) and whether a row S saw is
 * gone (then the backup holds a row the TRUNCATE would not remove, and the table must be copied
 * again under the lock).
 *
 * <p>A row version's {@code xmin} against S's bounds: before S's xmin (or frozen) it was committed
 * before S, so S saw it; at or after S's xmax it began after S, so S did not; in between it belongs
 * to a transaction, or a subtransaction, that may have been in flight when S was taken. A snapshot
 * lists only top-level xids, so the subtransactions of an in-flight transaction cannot be judged
 * from its bounds: for these rows S itself is asked ({@link #seenInBetween}, run in S's still open
 * transaction), which answers exactly, by {@code (tableoid, ctid, xmin)}.
 *
 * <p>xids are 32-bit and wrap around: they are compared only through {@code age()} in the
 * transaction that reads the rows, never as raw numbers. {@code age()} is stable within a
 * transaction, so the condition this builds for the append holds literal ages and must run in the
 * same transaction as {@link #classify}. A row frozen by VACUUM while S is open is old: S holds the
 * freeze horizon back, so only rows from before S's xmin can be frozen, and the {@code xmin} column
 * shows their raw xid, older than S's. A row frozen more than 2^31 transactions ago shows a raw xid
 * whose age has wrapped: should it land in S's range it is taken for a written one, its table then
 * counts fewer rows still there than S copied, and the reset copies that table again under the lock
 * ({@link Change#lostRows}): never a row lost or doubled.
 */
final class SinceSnapshot {
  private SinceSnapshot() {}

  /** S's bounds, as 64-bit xids ({@code txid_current_snapshot()}). */
  record Bounds(long xmin, long xmax) {}

  /**
   * What changed in one table since S.
   *
   * @param stillThere row versions present now that S saw
   * @param written row versions present now that S did not see
   * @param newRows the condition on the table's rows that selects exactly the written ones, for a
   *     COPY in the same transaction; null when there are none
   */
  record Change(Table table, long stillThere, long written, String newRows) {
    /** Whether a row S saw is gone: the table lost or changed rows since S. */
    boolean lostRows(long backedUp) {
      return stillThere != backedUp;
    }
  }

  /** S's bounds, read in S's transaction (whose snapshot is S). */
  static Bounds bounds(Connection s) throws SQLException {
    try (PreparedStatement ps =
            s.prepareStatement(
                "SELECT txid_snapshot_xmin(txid_current_snapshot()),"
                    + " txid_snapshot_xmax(txid_current_snapshot())");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return new Bounds(rs.getLong(1), rs.getLong(2));
    }
  }

  /**
   * In S's transaction: per table, the keys ({@code tableoid:ctid:xmin}) of the row versions S sees
   * whose xmin is in S's in-between range. Reads every table once.
   */
  static Map<TableName, Set<String>> seenInBetween(Connection s, Bounds b, List<Table> tables)
      throws SQLException {
    Ages ages = Ages.of(s, b);
    Map<TableName, Set<String>> out = new HashMap<>();
    for (Table t : tables) {
      Set<String> keys = new HashSet<>();
      try (PreparedStatement ps =
              s.prepareStatement(
                  "SELECT " + KEY + " FROM " + from(t) + " WHERE " + ages.inBetween());
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          keys.add(rs.getString(1));
        }
      }
      out.put(t.name(), keys);
    }
    return out;
  }

  /**
   * In the reset's transaction, once writers are locked out: per table, how many row versions S saw
   * are still there, how many were written since, and the condition that selects those. One scan of
   * each table.
   *
   * @param seen what {@link #seenInBetween} returned for S
   */
  static List<Change> classify(
      Connection t, Bounds b, Map<TableName, Set<String>> seen, List<Table> tables)
      throws SQLException {
    Ages ages = Ages.of(t, b);
    List<Change> out = new ArrayList<>();
    for (Table table : tables) {
      long old;
      long after;
      List<String> between = new ArrayList<>();
      try (PreparedStatement ps =
              t.prepareStatement(
                  "SELECT count(*) FILTER (WHERE "
                      + ages.beforeXmin()
                      + "), count(*) FILTER (WHERE "
                      + ages.fromXmax()
                      + "), array_agg("
                      + KEY
                      + ") FILTER (WHERE "
                      + ages.inBetween()
                      + ") FROM "
                      + from(table));
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        old = rs.getLong(1);
        after = rs.getLong(2);
        Array keys = rs.getArray(3);
        if (keys != null) {
          Collections.addAll(between, (String[]) keys.getArray());
        }
      }
      Set<String> sSaw = seen.getOrDefault(table.name(), Set.of());
      List<String> newInBetween = new ArrayList<>();
      long sawInBetween = 0;
      for (String key : between) {
        if (sSaw.contains(key)) {
          sawInBetween++;
        } else {
          newInBetween.add(key);
        }
      }
      long written = after + newInBetween.size();
      out.add(
          new Change(
              table,
              old + sawInBetween,
              written,
              written == 0 ? null : newRowsCondition(ages, newInBetween)));
    }
    return out;
  }

  /**
   * The row versions written since S: from S's xmax on, and those in between that S did not see.
   */
  private static String newRowsCondition(Ages ages, List<String> newInBetween) {
    if (newInBetween.isEmpty()) {
      return ages.fromXmax();
    }
    return "("
        + ages.fromXmax()
        + " OR ("
        + ages.inBetween()
        + " AND "
        + KEY
        + " = ANY ("
        + Identifiers.literal(arrayLiteral(newInBetween))
        + "::text[])))";
  }

  private static String arrayLiteral(List<String> keys) {
    // keys are digits, ':', '(', ',' and ')': each goes in double quotes, nothing to escape
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < keys.size(); i++) {
      sb.append(i == 0 ? "" : ",").append('"').append(keys.get(i)).append('"');
    }
    return sb.append('}').toString();
  }

  /** A row version, unique in a table with its partitions at one moment. */
  private static final String KEY = "tableoid::oid::text || ':' || ctid::text || ':' || xmin::text";

  private static String from(Table t) {
    return t.sqlOwnRows();
  }

  /**
   * The ages of S's bounds in the current transaction, as literals, and the conditions on a row's
   * {@code xmin} they make. A larger age is an older xid; a frozen one has the largest.
   */
  private record Ages(long xmin, long xmax) {
    static Ages of(Connection c, Bounds b) throws SQLException {
      return Queries.one(
          c,
          "SELECT age((?::bigint % 4294967296)::text::xid),"
              + " age((?::bigint % 4294967296)::text::xid)",
          ps -> {
            ps.setLong(1, b.xmin());
            ps.setLong(2, b.xmax());
          },
          rs -> new Ages(rs.getLong(1), rs.getLong(2)));
    }

    /** Committed before S was taken (or frozen): S saw it. */
    String beforeXmin() {
      return "age(xmin) > " + xmin;
    }

    /** Begun after S was taken: S did not see it. */
    String fromXmax() {
      return "age(xmin) <= " + xmax;
    }

    String inBetween() {
      return "age(xmin) <= " + xmin + " AND age(xmin) > " + xmax;
    }
  }

  /** The tables in order with the rows written since S, for the append. */
  static Map<Table, String> toAppend(List<Change> changes) {
    Map<Table, String> out = new LinkedHashMap<>();
    for (Change c : changes) {
      if (c.newRows() != null) {
        out.put(c.table(), c.newRows());
      }
    }
    return out;
  }
}

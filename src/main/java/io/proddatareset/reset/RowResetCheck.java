package io.proddatareset.reset;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.TableName;
import io.proddatareset.plan.RowClosure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The key set of a row reset and the check of its statements against it ({@link
 * RowResetStatements}): what each table is to lose, recorded before any change, and whether what
 * each statement returned is exactly that.
 *
 * <p>A leaf of the closure ({@link RowClosure.Result#leaf}) has no key set: its delete is checked
 * by its count ({@link #counted}), and when it is backed up its rows are copied from the delete
 * itself ({@code COPY (DELETE ... RETURNING ...)}), so the backup holds exactly what it deleted.
 *
 * <p>A table with a primary key gets a key set of its own, copied from the keys the closure read as
 * it locked the rows; each statement on it checks what it returned against it (the same count, and
 * no key outside it: keys are distinct on both sides). A table without one is named by its rows'
 * content hashes ({@code md5(t::text)}), read by the key set's row addresses; what its statements
 * return goes into a temporary table, compared before the commit as multisets ({@code EXCEPT ALL}
 * both ways, in one statement). Never row by row in Java.
 */
final class RowResetCheck {
  static final String EXPECTED = "pg_temp.pdr_reset_expected";
  static final String DONE = "pg_temp.pdr_reset_done";

  private final Catalog catalog;
  private final KeyDetails keys;
  private final RowClosure.Result closure;
  private final Map<TableName, Integer> numbers;
  // what the statements on tables with a primary key changed other than their key set, as they ran
  private final List<String> statementDifferences = new ArrayList<>();

  RowResetCheck(
      Catalog catalog,
      KeyDetails keys,
      RowClosure.Result closure,
      Map<TableName, Integer> numbers) {
    this.catalog = catalog;
    this.keys = keys;
    this.closure = closure;
    this.numbers = numbers;
  }

  private String ownRows(TableName t) {
    return RowResetStatements.ownRows(catalog, keys, t);
  }

  /**
   * For a table without a primary key: the rows a statement returned ({@code returned}, a CTE with
   * the hashes as {@code k}) for the multiset comparison before the commit.
   */
  String doneRows(TableName table, char kind, String returned) {
    return "SELECT " + numbers.get(table) + ", '" + kind + "'::\"char\", k FROM " + returned;
  }

  /** As {@link #doneRows}, the insert itself, for a statement of its own. */
  String done(TableName table, char kind, String returned) {
    return "INSERT INTO " + DONE + " " + doneRows(table, kind, returned);
  }

  /** Creates the temporary tables and records the key set: what each table is to lose. */
  void recordExpected(Connection t) throws SQLException {
    try (Statement st = t.createStatement()) {
      for (String table : List.of("pdr_reset_expected", "pdr_reset_done")) {
        st.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS "
                + table
                + " (rel int NOT NULL, kind \"char\" NOT NULL, k text NOT NULL) ON COMMIT DROP");
        st.execute("TRUNCATE pg_temp." + table);
      }
      for (RowClosure.Reached r : closure.tables()) {
        if (closure.leaf(r.table())) {
          // its rows are locked and counted, and selected by their parents' rows: its delete is
          // checked by count ({@link #counted})
          continue;
        }
        for (boolean deleted : new boolean[] {true, false}) {
          if ((deleted ? r.deleteRows() : r.updateRows()) == 0) {
            continue;
          }
          char kind = deleted ? 'd' : 'u';
          if (keyed(r.table())) {
            // a key set of its own, by key (they are distinct: a duplicate fails, nothing
            // changed), with statistics: the statement's check looks up only this table's keys
            String own = expectedOf(r.table(), kind);
            st.execute(
                "CREATE TEMPORARY TABLE "
                    + own.substring("pg_temp.".length())
                    + " (k text COLLATE \"C\" PRIMARY KEY) ON COMMIT DROP");
            st.execute("INSERT INTO " + own + " SELECT " + expectedRows(r.table(), deleted));
            st.execute("ANALYZE " + own);
            continue;
          }
          st.execute(
              "INSERT INTO "
                  + EXPECTED
                  + " SELECT "
                  + numbers.get(r.table())
                  + ", '"
                  + kind
                  + "', "
                  + expectedRows(r.table(), deleted));
        }
      }
    }
  }

  /**
   * The keys of the rows the closure deletes or updates in {@code table}: those the closure read as
   * it locked them (a table with a primary key: its key set holds them, no read of the table), else
   * the hash of each row's content, read from the table by the key set's row addresses.
   */
  private String expectedRows(TableName table, boolean deleted) {
    if (RowClosure.rowKey(keys, table, "s").isEmpty()) {
      return "md5(s::text) FROM "
          + ownRows(table)
          + " s WHERE "
          + closure.rowsCondition(table, deleted);
    }
    int n = closure.numbers().get(table);
    String rows = "x.k FROM " + RowClosure.ROWS + " x WHERE x.rel = " + n + " AND x.kind = ";
    return deleted
        ? rows + "'d'"
        : rows
            + "'u' AND NOT EXISTS (SELECT 1 FROM "
            + RowClosure.ROWS
            + " y WHERE y.rel = "
            + n
            + " AND y.kind = 'd' AND y.toid = x.toid AND y.tid = x.tid)";
  }

  /** Whether {@code table}'s rows are named by a primary key: its keys are distinct. */
  boolean keyed(TableName table) {
    return RowClosure.rowKey(keys, table, "d").isPresent();
  }

  /**
   * The check of one statement on a table with a primary key, from what it returned ({@code
   * returned}, a CTE with the keys as {@code k}): a row of {@code rel, kind, returned, expected,
   * expected and not returned}. Its keys are distinct, and so are the key set's: the same count and
   * no key outside the key set is the same set.
   */
  String checked(TableName table, char kind, String returned) {
    int n = numbers.get(table);
    String expected = expectedOf(table, kind) + " e WHERE true";
    return "SELECT "
        + n
        + ", '"
        + kind
        + "'::\"char\", r.n, x.n, x.n - (r.n - r.stray) FROM (SELECT count(*) AS n, count(*)"
        + " FILTER (WHERE NOT EXISTS (SELECT 1 FROM "
        + expected
        + " AND e.k = "
        + returned
        + ".k)) AS stray FROM "
        + returned
        + ") r, (SELECT count(*) AS n FROM "
        + expected
        + ") x";
  }

  /**
   * The key set of a table with a primary key, of the rows it deletes or updates ({@code kind}).
   */
  private String expectedOf(TableName table, char kind) {
    return "pg_temp.pdr_reset_expected_" + numbers.get(table) + "_" + kind;
  }

  /**
   * The check of a leaf's delete ({@link RowClosure.Result#leaf}): it deleted as many rows as the
   * closure locked and counted. The same condition selected both, and no row can join it or leave
   * it while its parents and its own rows are locked, so a different count means something else (a
   * trigger, a rule) changed the rows meanwhile.
   */
  void counted(TableName table, long deleted) {
    long expected = closure.table(table).map(RowClosure.Reached::deleteRows).orElse(0L);
    if (deleted != expected) {
      statementDifferences.add(
          table.display() + ": " + deleted + " deleted, " + expected + " expected");
    }
  }

  /** Keeps the differences a statement's check found (rows as {@link #checked} makes them). */
  void collect(ResultSet rs) throws SQLException {
    try (rs) {
      while (rs.next()) {
        if (rs.getLong(3) != rs.getLong(4) || rs.getLong(5) != 0) {
          statementDifferences.add(difference(rs));
        }
      }
    }
  }

  private String difference(ResultSet rs) throws SQLException {
    boolean deleted = "d".equals(rs.getString(2));
    return new ArrayList<>(numbers.keySet()).get(rs.getInt(1)).display()
        + ": "
        + rs.getLong(3)
        + (deleted ? " deleted" : " updated")
        + ", "
        + rs.getLong(4)
        + " expected, "
        + rs.getLong(5)
        + " of them not";
  }

  /**
   * Compares, on the server, what the statements deleted and updated with the key set.
   *
   * @return per table and action with a difference, e.g. {@code public.tags: 3 deleted, 2
   *     expected}; empty when they are the same
   */
  List<String> differences(Connection t) throws SQLException {
    List<String> out = new ArrayList<>(statementDifferences);
    List<String> unkeyed =
        numbers.entrySet().stream()
            .filter(e -> !keyed(e.getKey()))
            .map(e -> String.valueOf(e.getValue()))
            .toList();
    if (unkeyed.isEmpty()) {
      return out;
    }
    // one pass over both: per key, how many more times it is expected than done (EXCEPT ALL's
    // multiset difference, both ways at once); "missing" is the positive part
    String rels = " WHERE rel IN (" + String.join(", ", unkeyed) + ")";
    String sql =
        "WITH w AS (SELECT rel, kind, k, sum(n) AS n FROM (SELECT rel, kind, k, 1 AS n FROM "
            + EXPECTED
            + rels
            + " UNION ALL SELECT rel, kind, k, -1 FROM "
            + DONE
            + ") a GROUP BY rel, kind, k HAVING sum(n) <> 0)"
            + " SELECT d.rel, d.kind,"
            + " (SELECT count(*) FROM "
            + DONE
            + " x WHERE x.rel = d.rel AND x.kind = d.kind),"
            + " (SELECT count(*) FROM "
            + EXPECTED
            + " x WHERE x.rel = d.rel AND x.kind = d.kind),"
            + " coalesce(sum(d.n) FILTER (WHERE d.n > 0), 0)"
            + " FROM w d GROUP BY d.rel, d.kind ORDER BY 1, 2";
    try (Statement st = t.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(difference(rs));
      }
    }
    return out;
  }
}

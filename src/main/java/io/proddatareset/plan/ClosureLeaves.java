package io.proddatareset.plan;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The leaves of a closure: tables that nothing references (no foreign key, no virtual reference)
 * and that the closure only deletes from. Their rows are not added to the key set: nothing is
 * looked for below them, so the key set would only name them, and filling it costs more than the
 * rows' own delete (measured on PM Agent at scale 1000: 1.2 s of the reset's 4.4 s on the server
 * went to the key sets of its five leaf tables). A leaf's rows are named instead by their
 * addresses, {@link #addresses} (in a {@link #condition}): those whose key references a deleted row
 * of one of its parents, read through the parents' key set. A reset locks them ({@code FOR UPDATE})
 * and counts them once its parents are locked ({@link #count}); from then on that condition selects
 * exactly the rows locked, since no row can be added to a locked parent through a declared key and
 * a locked row cannot change.
 *
 * <p>A table is a leaf only where that holds and nothing else reads its rows by address: an
 * ordinary table of the catalog (not partitioned, no inheritance children), with no trigger but ON
 * TRUNCATE ones (a row trigger of its delete could change other rows), no row security in force,
 * not named in {@code --where}, reached only through declared keys that delete (CASCADE, NO ACTION,
 * RESTRICT) from ordinary tables, on the whole table (not a partition's constraint).
 */
final class ClosureLeaves {
  private ClosureLeaves() {}

  /** The leaves among the children of {@code edges}. */
  static Set<TableName> of(
      Catalog catalog, KeyDetails keys, RowSelection selection, List<ClosureEdge> edges) {
    Set<TableName> out = new LinkedHashSet<>();
    for (ClosureEdge e : edges) {
      out.add(e.child());
    }
    for (RowSelection.Condition condition : selection.conditions()) {
      out.remove(condition.table());
    }
    for (ClosureEdge e : edges) {
      out.remove(e.parent());
      if (e.virtual()
          || !e.deletes()
          || !e.childSource().equals(e.child())
          || RowClosure.partitioned(catalog, keys, e.parent())) {
        out.remove(e.child());
      }
    }
    out.removeIf(t -> !catalog.table(t).map(ClosureLeaves::plain).orElse(false));
    return out;
  }

  /** An ordinary table whose rows are all in its own heap and change only by the statements. */
  private static boolean plain(Table t) {
    return !t.partitioned()
        && t.inheritanceChildren().isEmpty()
        && !t.rowSecurityActive()
        && t.triggers().stream().allMatch(tr -> tr.onTruncate());
  }

  /**
   * SQL text of an array of the addresses ({@code ctid}) of the rows of {@code leaf} that reference
   * a deleted row through one of {@code into} (each from a parent with rows in the key set,
   * numbered as in {@code numbers}): the union of each key's join of the parents' deleted rows with
   * the leaf, so that each key is looked up on its own (an {@code OR} of the keys would read the
   * whole table), the rows then fetched by address (a TID scan). For a leaf with one key a
   * semi-join on it does as well (measured in the reset on PM Agent at scale 1000, locking the
   * 100,000 rows of {@code entity_events}: 282 ms this way, 255 ms as a semi-join, within the
   * run-to-run spread); one form keeps one shape of statement.
   */
  static String addresses(
      Catalog catalog,
      KeyDetails keys,
      TableName leaf,
      List<ClosureEdge> into,
      Map<TableName, Integer> numbers) {
    StringBuilder union = new StringBuilder();
    for (ClosureEdge e : into) {
      union.append(union.length() > 0 ? " UNION " : "").append("SELECT c.ctid FROM ");
      union.append(RowClosure.ownRows(catalog, keys, e.parent())).append(" p JOIN ");
      union.append(RowClosure.ownRows(catalog, keys, leaf)).append(" c ON ");
      for (int i = 0; i < e.childColumns().size(); i++) {
        union
            .append(i > 0 ? " AND " : "")
            .append("c.")
            .append(Identifiers.quote(e.childColumns().get(i)))
            .append(" = p.")
            .append(Identifiers.quote(e.parentColumns().get(i)));
      }
      union.append(" WHERE ").append(deletedParents(numbers.get(e.parent())));
    }
    return "ARRAY(" + union + ")";
  }

  /** SQL text of a condition on the leaf's own rows (unqualified): those at {@code addresses}. */
  static String condition(String addresses) {
    return "ctid = ANY (" + addresses + ")";
  }

  /** The parent rows {@code p} (an ordinary table, number {@code rel}) that the key set deletes. */
  private static String deletedParents(int rel) {
    return "p.ctid = ANY (ARRAY(SELECT x.tid FROM "
        + RowClosure.ROWS
        + " x WHERE x.rel = "
        + rel
        + " AND x.kind = 'd'))";
  }

  /**
   * Counts the rows of {@code leaf} at {@code addresses} ({@link #addresses}), locking them ({@code
   * FOR UPDATE}) through {@code locking} when it is not null.
   *
   * <p>Locked, the count must be the number of addresses: a row that the app updated or deleted
   * between the statement's snapshot (when the addresses were read) and its lock (after waiting for
   * the app's transaction) is not locked, since its new version has another address, which
   * PostgreSQL re-checks against the addresses (a key-set statement re-checks the join instead).
   * The statement then throws {@link RowClosure.Locking.Moved}, and {@code locking} runs it again,
   * reading the addresses anew; the parents being locked, no row can join them meanwhile.
   */
  static long count(
      Connection c,
      Catalog catalog,
      KeyDetails keys,
      TableName leaf,
      String addresses,
      RowClosure.Locking locking)
      throws SQLException {
    if (locking == null) {
      // the union reads the rows visible to the statement, each once
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT cardinality(" + addresses + ")")) {
        rs.next();
        return rs.getLong(1);
      }
    }
    String sql =
        "WITH a AS MATERIALIZED (SELECT "
            + addresses
            + " AS tids), l AS (SELECT 1 FROM "
            + RowClosure.ownRows(catalog, keys, leaf)
            + " WHERE ctid = ANY ((SELECT tids FROM a)::tid[]) FOR UPDATE)"
            + " SELECT (SELECT cardinality(tids) FROM a), (SELECT count(*) FROM l)";
    return locking.lock(
        leaf,
        condition(addresses),
        () -> {
          try (Statement st = c.createStatement();
              ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            long looked = rs.getLong(1);
            long locked = rs.getLong(2);
            if (locked != looked) {
              throw new RowClosure.Locking.Moved(
                  leaf.display()
                      + ": "
                      + (looked - locked)
                      + " of "
                      + looked
                      + " rows changed before they could be locked");
            }
            return locked;
          }
        });
  }
}

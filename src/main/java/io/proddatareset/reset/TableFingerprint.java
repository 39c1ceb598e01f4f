package io.proddatareset.reset;

import io.proddatareset.catalog.TableName;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A kept table's row count and content hash, taken before and after a reset to prove it was not
 * touched.
 *
 * <p>The hash is order-independent (a sum of per-row MD5 prefixes, computed on the server over each
 * row's text form), so it does not depend on physical row order and needs no data transfer. It is a
 * check against accidental change, not a cryptographic seal.
 *
 * @param hash null when only counts were taken ({@code --kept-check count})
 */
public record TableFingerprint(TableName table, long rows, String hash) {

  /** How much to check of each kept table. */
  public enum Mode {
    /** row count and content hash */
    HASH,
    /** row count only, for very large kept tables */
    COUNT
  }

  /**
   * Takes fingerprints of {@code tables} with the connection's current transaction snapshot; the
   * caller decides isolation and locking.
   */
  public static List<TableFingerprint> take(Connection conn, List<TableName> tables, Mode mode)
      throws SQLException {
    List<TableFingerprint> out = new ArrayList<>();
    try (Statement st = conn.createStatement()) {
      for (TableName t : tables) {
        String from = ownRows(conn, t);
        String sql =
            mode == Mode.COUNT
                ? "SELECT count(*), NULL FROM " + from
                : "SELECT count(*), coalesce(sum(('x' || left(md5(r::text), 16))::bit(64)::bigint::numeric), 0)::text"
                    + " FROM "
                    + t.sql()
                    + " AS r";
        try (ResultSet rs = st.executeQuery(sql)) {
          rs.next();
          out.add(new TableFingerprint(t, rs.getLong(1), rs.getString(2)));
        }
      }
    }
    return out;
  }

  /**
   * The table's own rows: {@code ONLY t} for an ordinary table (inheritance children are tables of
   * their own), all of a partitioned table (its rows live in its partitions).
   */
  private static String ownRows(Connection conn, TableName t) throws SQLException {
    try (java.sql.PreparedStatement ps =
        conn.prepareStatement(
            "SELECT c.relkind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
                + " ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
      ps.setString(1, t.schema());
      ps.setString(2, t.name());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("table " + t.display() + " does not exist", "42P01");
        }
        return "p".equals(rs.getString(1)) ? t.sql() : "ONLY " + t.sql();
      }
    }
  }

  /** Describes how {@code after} differs from this fingerprint, or null if it matches. */
  public String differenceFrom(TableFingerprint after) {
    if (after.rows != rows) {
      return table.display() + ": " + rows + " rows before, " + after.rows + " after";
    }
    if (hash != null && after.hash != null && !hash.equals(after.hash)) {
      return table.display() + ": same row count (" + rows + ") but the content changed";
    }
    return null;
  }
}

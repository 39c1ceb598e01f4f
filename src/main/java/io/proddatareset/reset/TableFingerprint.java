package io.proddatareset.reset;

import io.proddatareset.catalog.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
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
   * The session settings that change a row's text form, pinned for the rest of the caller's
   * transaction: a reset takes the fingerprints in one session and {@code verify} compares them
   * later in another, perhaps on a machine in another time zone (PgJDBC sets the session's time
   * zone to the JVM's) or after the database set its own interval style. The hash must compare the
   * rows, not the sessions.
   */
  private static final String[] TEXT_FORM = {
    "timezone", "UTC", "intervalstyle", "postgres", "extra_float_digits", "3", "bytea_output", "hex"
  };

  /**
   * Takes fingerprints of {@code tables} with the connection's current transaction snapshot; the
   * caller decides isolation and locking. The connection must be in a transaction (auto-commit
   * off): for hashes, the settings that change a row's text form are pinned while they are taken,
   * and put back afterwards (the reset goes on in the transaction, and its TRUNCATE fires the
   * tables' own triggers).
   */
  public static List<TableFingerprint> take(Connection conn, List<TableName> tables, Mode mode)
      throws SQLException {
    if (conn.getAutoCommit()) {
      throw new IllegalArgumentException("fingerprints are taken inside a transaction");
    }
    List<TableFingerprint> out = new ArrayList<>();
    String[] caller = mode == Mode.HASH ? setTextForm(conn, TEXT_FORM) : null;
    try (Statement st = conn.createStatement()) {
      for (TableName t : tables) {
        // the count and the hash cover the same rows: the table's own (ONLY for an ordinary
        // table), so that emptying an inheritance child does not look like a change to its parent
        String from = ownRows(conn, t);
        String sql =
            mode == Mode.COUNT
                ? "SELECT count(*), NULL FROM " + from
                : "SELECT count(*),"
                    + " coalesce(sum(('x' || left(md5(r::text), 16))::bit(64)::bigint::numeric), 0)"
                    + "::text FROM "
                    + from
                    + " AS r";
        try (ResultSet rs = st.executeQuery(sql)) {
          rs.next();
          out.add(new TableFingerprint(t, rs.getLong(1), rs.getString(2)));
        }
      }
    }
    if (caller != null) {
      setTextForm(conn, caller);
    }
    return out;
  }

  /**
   * Sets the settings named in {@code namesAndValues} (name, value, name, value, ...) for the rest
   * of the transaction and returns their values before, in the same form.
   */
  private static String[] setTextForm(Connection conn, String[] namesAndValues)
      throws SQLException {
    String[] before = namesAndValues.clone();
    int n = namesAndValues.length / 2;
    try (PreparedStatement read =
        conn.prepareStatement(
            "SELECT " + String.join(", ", Collections.nCopies(n, "current_setting(?)")))) {
      for (int i = 0; i < n; i++) {
        read.setString(i + 1, namesAndValues[2 * i]);
      }
      try (ResultSet rs = read.executeQuery()) {
        rs.next();
        for (int i = 0; i < n; i++) {
          before[2 * i + 1] = rs.getString(i + 1);
        }
      }
    }
    try (PreparedStatement set =
        conn.prepareStatement(
            "SELECT " + String.join(", ", Collections.nCopies(n, "set_config(?, ?, true)")))) {
      for (int i = 0; i < n; i++) {
        set.setString(2 * i + 1, namesAndValues[2 * i]);
        set.setString(2 * i + 2, namesAndValues[2 * i + 1]);
      }
      set.executeQuery().close();
    }
    return before;
  }

  /**
   * The table's own rows: {@code ONLY t} for an ordinary table (inheritance children are tables of
   * their own), all of a partitioned table (its rows live in its partitions).
   */
  private static String ownRows(Connection conn, TableName t) throws SQLException {
    try (PreparedStatement ps =
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

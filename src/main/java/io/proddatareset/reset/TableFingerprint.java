package io.proddatareset.reset;

import io.proddatareset.Counts;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.SqlState;
import io.proddatareset.pg.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

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
   * The session settings that change a row's text form, pinned while fingerprints are taken: a
   * reset takes them in one session and {@code verify} compares them later in another, perhaps on a
   * machine in another time zone (PgJDBC sets the session's time zone to the JVM's), as another
   * role, or after the database set its own interval style or search path (reg* values). The hash
   * must compare the rows, not the sessions.
   */
  private static final String[] TEXT_FORM = {
    "timezone", "UTC",
    "intervalstyle", "postgres",
    "extra_float_digits", "3",
    "bytea_output", "hex",
    "search_path", ""
  };

  /**
   * Takes the fingerprints of the tables of {@code earlier} again, as {@link #take} does, by table:
   * with hashes when every one of {@code earlier} has a hash, otherwise row counts only.
   */
  static Map<TableName, TableFingerprint> takeAgain(Connection conn, List<TableFingerprint> earlier)
      throws SQLException {
    boolean hashes = earlier.stream().allMatch(f -> f.hash() != null);
    return take(
            conn,
            earlier.stream().map(TableFingerprint::table).toList(),
            hashes ? Mode.HASH : Mode.COUNT)
        .stream()
        .collect(Collectors.toMap(TableFingerprint::table, Function.identity()));
  }

  /**
   * Takes fingerprints of {@code tables} with the connection's current transaction snapshot; the
   * caller decides isolation and locking. The connection must be in a transaction (auto-commit
   * off): for hashes, the settings that change a row's text form are pinned while they are taken,
   * and put back afterwards (the reset goes on in the transaction, and its TRUNCATE fires the
   * tables' own triggers).
   */
  public static List<TableFingerprint> take(Connection conn, List<TableName> tables, Mode mode)
      throws SQLException {
    Transactions.requireOpen(conn, "a fingerprint");
    List<TableFingerprint> out = new ArrayList<>();
    String[] caller = mode == Mode.HASH ? SessionSettings.set(conn, TEXT_FORM) : null;
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
      SessionSettings.pin(conn, caller);
    }
    return out;
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
          throw new SQLException(
              "table " + t.display() + " does not exist", SqlState.UNDEFINED_TABLE);
        }
        return "p".equals(rs.getString(1)) ? t.sql() : "ONLY " + t.sql();
      }
    }
  }

  /** Describes how {@code after} differs from this fingerprint, or null if it matches. */
  public String differenceFrom(TableFingerprint after) {
    if (after.rows != rows) {
      return table.display()
          + ": "
          + Counts.of(rows, "row")
          + " before, "
          + Counts.number(after.rows)
          + " after";
    }
    if (hash != null && after.hash != null && !hash.equals(after.hash)) {
      return table.display() + ": same row count (" + rows + ") but the content changed";
    }
    return null;
  }
}

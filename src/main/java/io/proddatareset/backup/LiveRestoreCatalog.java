package io.proddatareset.backup;

import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.Queries;
import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What a restore into live tables needs to know about them, read by object id in its own
 * transaction: the foreign keys declared on them, their columns' nullability and identity, and the
 * user triggers that would fire on the rows it inserts or updates.
 */
final class LiveRestoreCatalog {
  private LiveRestoreCatalog() {}

  /** A foreign key declared on a restored table (on its root, for a partitioned one). */
  record Key(
      String name,
      TableName child,
      List<String> childColumns,
      TableName parent,
      boolean deferrable,
      boolean initiallyDeferred) {
    /** For {@code SET CONSTRAINTS}: the constraint, schema-qualified. */
    String sql() {
      return Identifiers.quote(child.schema()) + "." + Identifiers.quote(name);
    }

    /** {@code public.cities(country_id) -> public.countries (cities_country_id_fkey)}. */
    String display() {
      return child.display()
          + "("
          + String.join(", ", childColumns.stream().map(Identifiers::display).toList())
          + ") -> "
          + parent.display()
          + " ("
          + Identifiers.display(name)
          + ")";
    }
  }

  /** A column of a restored table. */
  record ColumnFacts(String name, boolean notNull, boolean identityAlways) {}

  /**
   * A user trigger that fires in this session on rows the restore inserts ({@code insert}) or
   * updates.
   */
  record FiringTrigger(TableName table, String name, String function, boolean insert) {
    String display() {
      return table.display()
          + ": "
          + Identifiers.display(name)
          + " ("
          + function
          + ", on "
          + (insert ? "INSERT" : "UPDATE")
          + ")";
    }
  }

  /** Foreign keys declared on the relations (not their partitions' clones). */
  static List<Key> keys(Connection c, List<Long> relations) throws SQLException {
    return Queries.list(
        c,
        "SELECT con.conname, n.nspname, r.relname,"
            + " ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)"
            + "   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num"
            + "   ORDER BY k.ord),"
            + " pn.nspname, p.relname, con.condeferrable, con.condeferred"
            + " FROM pg_constraint con JOIN pg_class r ON r.oid = con.conrelid"
            + " JOIN pg_namespace n ON n.oid = r.relnamespace"
            + " JOIN pg_class p ON p.oid = con.confrelid"
            + " JOIN pg_namespace pn ON pn.oid = p.relnamespace"
            + " WHERE con.contype = 'f' AND con.conparentid = 0 AND con.conrelid = ANY(?::oid[])"
            + " ORDER BY 2, 3, 1",
        ps -> ps.setArray(1, oids(c, relations)),
        rs ->
            new Key(
                rs.getString(1),
                new TableName(rs.getString(2), rs.getString(3)),
                Arrays.asList((String[]) rs.getArray(4).getArray()),
                new TableName(rs.getString(5), rs.getString(6)),
                rs.getBoolean(7),
                rs.getBoolean(8)));
  }

  /** The columns of one relation, by name. */
  static Map<String, ColumnFacts> columns(Connection c, long relation) throws SQLException {
    Map<String, ColumnFacts> out = new java.util.LinkedHashMap<>();
    for (ColumnFacts f :
        Queries.list(
            c,
            "SELECT attname, attnotnull, attidentity = 'a' FROM pg_attribute"
                + " WHERE attrelid = ? AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            ps -> ps.setLong(1, relation),
            rs -> new ColumnFacts(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3)))) {
      out.put(f.name(), f);
    }
    return out;
  }

  /**
   * The user triggers (not those of foreign keys) on {@code inserted} (and their partitions) that
   * fire on INSERT, and on {@code updated} that fire on UPDATE, as this session's {@code
   * session_replication_role} makes them fire.
   */
  static List<FiringTrigger> firing(Connection c, List<Long> inserted, List<Long> updated)
      throws SQLException {
    List<FiringTrigger> out = new ArrayList<>();
    out.addAll(firing(c, inserted, 4, true));
    out.addAll(firing(c, updated, 16, false));
    return out;
  }

  private static List<FiringTrigger> firing(
      Connection c, List<Long> relations, int event, boolean insert) throws SQLException {
    if (relations.isEmpty()) {
      return List.of();
    }
    return Queries.list(
        c,
        "SELECT n.nspname, r.relname, t.tgname, t.tgfoid::regproc::text"
            + " FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid"
            + " JOIN pg_namespace n ON n.oid = r.relnamespace"
            + " WHERE t.tgrelid = ANY(?::oid[])"
            // a partitioned table's trigger is listed once, on the table it was created on
            + " AND (t.tgtype & ?) <> 0 AND NOT t.tgisinternal AND t.tgparentid = 0"
            + " AND NOT EXISTS (SELECT 1 FROM pg_constraint k"
            + "   WHERE k.oid = t.tgconstraint AND k.contype = 'f')"
            + " AND CASE t.tgenabled WHEN 'D' THEN false"
            + "   WHEN 'A' THEN true"
            + "   WHEN 'R' THEN current_setting('session_replication_role') = 'replica'"
            + "   ELSE current_setting('session_replication_role') <> 'replica' END"
            + " ORDER BY 1, 2, 3",
        ps -> {
          ps.setArray(1, oids(c, RestoreCatalog.withPartitions(c, relations)));
          ps.setInt(2, event);
        },
        rs ->
            new FiringTrigger(
                new TableName(rs.getString(1), rs.getString(2)),
                rs.getString(3),
                rs.getString(4),
                insert));
  }

  /** Whether the relation is a partitioned table. */
  static boolean partitioned(Connection c, long relation) throws SQLException {
    return Queries.one(
        c,
        "SELECT relkind = 'p' FROM pg_class WHERE oid = ?",
        ps -> ps.setLong(1, relation),
        rs -> rs.getBoolean(1));
  }

  private static Array oids(Connection c, List<Long> oids) throws SQLException {
    return c.createArrayOf("oid", oids.toArray());
  }
}

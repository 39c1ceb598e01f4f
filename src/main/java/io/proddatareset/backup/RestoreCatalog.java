package io.proddatareset.backup;

import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.Queries;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What restore needs to know about the tables it loads, read by object id in the restore's own
 * transaction: partitions, foreign keys declared on them, user triggers and sequences.
 */
final class RestoreCatalog {
  private RestoreCatalog() {}

  /** A relation to load into. */
  record Target(TableName name, long oid) {}

  /** A foreign key to drop for the load and add back afterwards. */
  record ForeignKeyDef(long oid, TableName table, String name, String definition) {
    String dropSql() {
      return "ALTER TABLE " + table.sql() + " DROP CONSTRAINT " + Identifiers.quote(name);
    }

    String addSql() {
      return "ALTER TABLE "
          + table.sql()
          + " ADD CONSTRAINT "
          + Identifiers.quote(name)
          + " "
          + definition;
    }
  }

  /** A user trigger and its firing state (pg_trigger.tgenabled: O, D, R or A). */
  record TriggerState(TableName table, String name, String enabled) {}

  /** Resolves names to relations; missing ones are returned by name in {@code missing}. */
  static Map<TableName, Target> resolve(
      Connection c, List<TableName> names, List<TableName> missing) throws SQLException {
    Map<TableName, Target> out = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT c.oid FROM pg_class c WHERE c.oid = to_regclass(?) AND c.relkind IN ('r', 'p')")) {
      for (TableName n : names) {
        ps.setString(1, n.sql());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            out.put(n, new Target(n, rs.getLong(1)));
          } else {
            missing.add(n);
          }
        }
      }
    }
    return out;
  }

  /** The targets and every partition below them (all levels). */
  static List<Long> withPartitions(Connection c, List<Long> oids) throws SQLException {
    Set<Long> all = new java.util.LinkedHashSet<>(oids);
    all.addAll(
        query(
            c,
            "SELECT p.relid::oid FROM unnest(?::oid[]) AS t(oid),"
                + " LATERAL pg_partition_tree(t.oid) p ORDER BY p.level",
            rs -> rs.getLong(1),
            oids));
    return new ArrayList<>(all);
  }

  /** Targets that hold at least one row. */
  static List<TableName> nonEmpty(Connection c, List<Target> targets) throws SQLException {
    List<TableName> out = new ArrayList<>();
    try (Statement st = c.createStatement()) {
      for (Target t : targets) {
        try (ResultSet rs =
            st.executeQuery("SELECT EXISTS (SELECT 1 FROM " + t.name().sql() + ")")) {
          rs.next();
          if (rs.getBoolean(1)) {
            out.add(t.name());
          }
        }
      }
    }
    return out;
  }

  /**
   * Foreign keys declared on the relations (or on the partitioned table a partition's key comes
   * from) that reference the relations too (or a partitioned table above them): dropping those lets
   * rows load in any order, cycles included, and adding them back validates all rows in one pass
   * per key. A key to a table that is not restored stays: dropping it would lock that table (a kept
   * table the app goes on using) in ACCESS EXCLUSIVE mode until the commit, so its rows are checked
   * one by one as they load instead.
   */
  static List<ForeignKeyDef> foreignKeys(Connection c, List<Long> relations) throws SQLException {
    return query(
        c,
        "WITH RECURSIVE fk AS ("
            + "  SELECT oid, conparentid FROM pg_constraint"
            + "  WHERE contype = 'f' AND conrelid = ANY(?::oid[])"
            + "  UNION"
            + "  SELECT p.oid, p.conparentid FROM pg_constraint p JOIN fk ON p.oid = fk.conparentid),"
            + " restored(oid) AS ("
            + "  SELECT unnest(?::oid[])"
            + "  UNION"
            + "  SELECT i.inhparent FROM pg_inherits i JOIN restored r ON i.inhrelid = r.oid)"
            + " SELECT k.oid, n.nspname, r.relname, k.conname, pg_get_constraintdef(k.oid)"
            + " FROM fk JOIN pg_constraint k ON k.oid = fk.oid"
            + " JOIN pg_class r ON r.oid = k.conrelid"
            + " JOIN pg_namespace n ON n.oid = r.relnamespace"
            + " WHERE fk.conparentid = 0 AND k.contype = 'f'"
            + " AND k.confrelid IN (SELECT oid FROM restored)"
            + " ORDER BY 2, 3, 4",
        rs ->
            new ForeignKeyDef(
                rs.getLong(1),
                new TableName(rs.getString(2), rs.getString(3)),
                rs.getString(4),
                rs.getString(5)),
        relations,
        relations);
  }

  /**
   * The columns of each target that the foreign keys compare, on either side, by the target's
   * object id: the columns that validating the keys joins on, and so the ones the planner needs
   * statistics for. A key declared on a partitioned table (or referencing one) counts for the
   * partitions below it and the tables above it, matched by column name; targets that no key
   * touches are left out. Asked before the keys are dropped.
   */
  static Map<Long, List<String>> keyColumns(
      Connection c, List<ForeignKeyDef> keys, List<Long> targets) throws SQLException {
    Map<Long, List<String>> out = new LinkedHashMap<>();
    if (keys.isEmpty()) {
      return out;
    }
    List<Long> keyOids = keys.stream().map(ForeignKeyDef::oid).toList();
    record KeyColumn(long target, String column) {}
    for (KeyColumn k :
        query(
            c,
            "WITH RECURSIVE key_columns(rel, attname) AS ("
                + "  SELECT k.conrelid, a.attname FROM pg_constraint k"
                + "  CROSS JOIN LATERAL unnest(k.conkey) AS u(attnum)"
                + "  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum"
                + "  WHERE k.oid = ANY(?::oid[])"
                + "  UNION"
                + "  SELECT k.confrelid, a.attname FROM pg_constraint k"
                + "  CROSS JOIN LATERAL unnest(k.confkey) AS u(attnum)"
                + "  JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum"
                + "  WHERE k.oid = ANY(?::oid[])),"
                + " up(target, rel) AS ("
                + "  SELECT t, t FROM unnest(?::oid[]) AS t"
                + "  UNION"
                + "  SELECT up.target, i.inhparent FROM up JOIN pg_inherits i ON i.inhrelid = up.rel),"
                + " down(target, rel) AS ("
                + "  SELECT t, t FROM unnest(?::oid[]) AS t"
                + "  UNION"
                + "  SELECT down.target, i.inhrelid FROM down"
                + "  JOIN pg_inherits i ON i.inhparent = down.rel)"
                + " SELECT DISTINCT r.target, a.attname"
                + " FROM (SELECT target, rel FROM up UNION SELECT target, rel FROM down) r"
                + " JOIN key_columns k ON k.rel = r.rel"
                + " JOIN pg_attribute a ON a.attrelid = r.target AND a.attname = k.attname"
                + " AND a.attnum > 0 AND NOT a.attisdropped"
                + " ORDER BY 1, 2",
            rs -> new KeyColumn(rs.getLong(1), rs.getString(2)),
            keyOids,
            keyOids,
            targets,
            targets)) {
      out.computeIfAbsent(k.target(), t -> new ArrayList<>()).add(k.column());
    }
    return out;
  }

  /**
   * The comments on those foreign keys, as ready COMMENT statements (built by the server's
   * format(), which quotes them), so that dropping and adding a key back keeps its comment.
   */
  static List<String> foreignKeyComments(Connection c, List<ForeignKeyDef> keys)
      throws SQLException {
    return Queries.listEach(
        c,
        "SELECT format('COMMENT ON CONSTRAINT %I ON %I.%I IS %L', k.conname, n.nspname,"
            + " r.relname, d.description)"
            + " FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid"
            + " JOIN pg_namespace n ON n.oid = r.relnamespace"
            + " JOIN pg_description d ON d.objoid = k.oid"
            + "  AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0"
            + " WHERE n.nspname = ? AND r.relname = ? AND k.conname = ?",
        keys,
        (ps, k) -> {
          ps.setString(1, k.table().schema());
          ps.setString(2, k.table().name());
          ps.setString(3, k.name());
        },
        rs -> rs.getString(1));
  }

  /**
   * User triggers on the relations: not internal, or internal clones of a partitioned table's
   * trigger (PostgreSQL 13 and 14 mark those internal), but never the triggers of a foreign key.
   */
  static List<TriggerState> triggers(Connection c, List<Long> relations) throws SQLException {
    return query(
        c,
        "SELECT n.nspname, r.relname, t.tgname, t.tgenabled::text"
            + " FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid"
            + " JOIN pg_namespace n ON n.oid = r.relnamespace"
            + " WHERE t.tgrelid = ANY(?::oid[])"
            + " AND (NOT t.tgisinternal OR t.tgparentid <> 0)"
            // a foreign key's own triggers go with the key, which is dropped and added back;
            // on the partitions of a referenced partitioned table they are clones too
            + " AND NOT EXISTS (SELECT 1 FROM pg_constraint k"
            + "  WHERE k.oid = t.tgconstraint AND k.contype = 'f')"
            + " ORDER BY 1, 2, 3",
        rs ->
            new TriggerState(
                new TableName(rs.getString(1), rs.getString(2)), rs.getString(3), rs.getString(4)),
        relations);
  }

  /** Object ids of sequences owned by or used in column defaults of the relations. */
  static Set<Long> sequencesOf(Connection c, List<Long> relations) throws SQLException {
    return new HashSet<>(
        query(
            c,
            "SELECT d.objid FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
                + " WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass"
                + " AND d.refobjid = ANY(?::oid[]) AND d.deptype IN ('a', 'i')"
                + " UNION"
                + " SELECT d.refobjid FROM pg_attrdef ad"
                + " JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid"
                + " JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'"
                + " WHERE ad.adrelid = ANY(?::oid[])",
            rs -> rs.getLong(1),
            relations,
            relations));
  }

  /** The object id of a sequence named as in a setval line, or null if there is none. */
  static Long sequenceOid(Connection c, String name) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT c.oid FROM pg_class c WHERE c.oid = to_regclass(?) AND c.relkind = 'S'")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : null;
      }
    }
  }

  /** Every row of {@code sql}, whose parameters are {@code oidLists} in order, each as an oid[]. */
  @SafeVarargs
  private static <T> List<T> query(
      Connection c, String sql, Queries.Row<T> row, List<Long>... oidLists) throws SQLException {
    return Queries.list(
        c,
        sql,
        ps -> {
          for (int i = 0; i < oidLists.length; i++) {
            ps.setArray(i + 1, oidArray(c, oidLists[i]));
          }
        },
        row);
  }

  private static Array oidArray(Connection c, List<Long> oids) throws SQLException {
    return c.createArrayOf("oid", oids.stream().filter(Objects::nonNull).toArray());
  }
}

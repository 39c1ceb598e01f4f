package io.proddatareset.catalog;

import io.proddatareset.pg.ServerInfo;
import io.proddatareset.pg.Transactions;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads a {@link Catalog} from the system catalogs of PostgreSQL 13 to 17 with a fixed set of
 * read-only queries (names travel as bind parameters, never as SQL text).
 *
 * <p><b>Transactions.</b> With auto-commit off, the queries run inside the caller's open
 * transaction and the reader neither commits nor rolls back: call it first in a {@code REPEATABLE
 * READ} transaction to read the catalog and the data from one snapshot. With auto-commit on, the
 * reader opens its own {@code REPEATABLE READ, READ ONLY} transaction, ends it, and restores
 * auto-commit, isolation and read-only mode.
 *
 * <p><b>Locks.</b> The reader takes no lock on a user table except the {@code ACCESS SHARE} lock
 * that {@code pg_total_relation_size} takes on each table and partition; it is held until the
 * transaction ends and waits behind a session holding {@code ACCESS EXCLUSIVE} (a running {@code
 * ALTER TABLE}, {@code TRUNCATE}, ...). Set {@code lock_timeout} in the transaction to bound that
 * wait.
 */
public final class CatalogReader {
  /**
   * Root tables in scope and every partition below them, each with its root. A partition is mapped
   * to its root even when the partition lives in a schema outside the scope.
   */
  private static final String MEMBERS_CTE =
      """
      WITH scope AS (
        SELECT c.oid FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(?) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ), members AS (
        SELECT s.oid AS root, s.oid AS member FROM scope s
        UNION ALL
        SELECT pg_catalog.pg_partition_root(c.oid)::oid, c.oid FROM pg_catalog.pg_class c
        WHERE c.relispartition AND c.relkind IN ('r', 'p')
          AND pg_catalog.pg_partition_root(c.oid)::oid IN (SELECT oid FROM scope)
      )
      """;

  private static final String SCHEMAS_SQL =
      """
      SELECT nspname FROM pg_catalog.pg_namespace
      WHERE nspname NOT IN ('pg_catalog', 'information_schema')
        AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%'
      """;

  private static final String RELATIONS_SQL =
      MEMBERS_CTE
          + """
          SELECT m.root, m.member, n.nspname, c.relname, c.relkind,
                 pg_catalog.pg_get_userbyid(c.relowner),
                 pg_catalog.has_table_privilege(c.oid, 'TRUNCATE'),
                 c.reltuples::float8, c.relpages,
                 pg_catalog.pg_total_relation_size(c.oid),
                 pg_catalog.has_table_privilege(c.oid, 'SELECT'),
                 pg_catalog.row_security_active(c.oid)
          FROM members m
          JOIN pg_catalog.pg_class c ON c.oid = m.member
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          """;

  private static final String COLUMNS_SQL =
      MEMBERS_CTE
          + """
          SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                 a.attnotnull, a.attgenerated <> '', a.attidentity::text,
                 CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END
          FROM pg_catalog.pg_attribute a
          LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid IN (SELECT root FROM members WHERE root = member)
            AND a.attnum > 0 AND NOT a.attisdropped
          ORDER BY a.attrelid, a.attnum
          """;

  /**
   * Sequences owned by a column (serial: auto dependency; identity: internal dependency) and
   * sequences a column default calls without owning them (pagila's partitions share one).
   */
  private static final String SEQUENCES_SQL =
      MEMBERS_CTE
          + """
          , uses AS (
            SELECT d.refobjid AS rel, d.refobjsubid AS attnum, d.objid AS seq, true AS owned
            FROM pg_catalog.pg_depend d
            WHERE d.classid = 'pg_catalog.pg_class'::regclass
              AND d.refclassid = 'pg_catalog.pg_class'::regclass
              AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
            UNION ALL
            SELECT ad.adrelid, ad.adnum, d.refobjid, false
            FROM pg_catalog.pg_attrdef ad
            JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::regclass
              AND d.objid = ad.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass
          )
          SELECT m.root, a.attname, sn.nspname, s.relname, bool_or(u.owned)
          FROM uses u
          JOIN members m ON m.member = u.rel
          JOIN pg_catalog.pg_class s ON s.oid = u.seq AND s.relkind = 'S'
          JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
          JOIN pg_catalog.pg_attribute a ON a.attrelid = u.rel AND a.attnum = u.attnum
          GROUP BY m.root, a.attname, sn.nspname, s.relname
          """;

  /**
   * User triggers; clones of a partitioned table's trigger on its partitions are left out. Whether
   * one fires follows tgenabled and this session's session_replication_role, as the server decides
   * it (origin and local fire O and A triggers, replica fires R and A triggers).
   */
  private static final String TRIGGERS_SQL =
      MEMBERS_CTE
          + """
          SELECT m.root, t.tgname, (t.tgtype & 32) <> 0,
                 CASE t.tgenabled
                   WHEN 'D' THEN false
                   WHEN 'A' THEN true
                   WHEN 'R' THEN pg_catalog.current_setting('session_replication_role') = 'replica'
                   ELSE pg_catalog.current_setting('session_replication_role') <> 'replica'
                 END,
                 t.tgfoid::regproc::text, t.tgenabled::text, (t.tgtype & 2) <> 0,
                 l.lanname::text, p.prosrc, t.tgargs
          FROM pg_catalog.pg_trigger t
          JOIN members m ON m.member = t.tgrelid
          JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
          JOIN pg_catalog.pg_language l ON l.oid = p.prolang
          WHERE NOT t.tgisinternal AND t.tgparentid = 0
          """;

  /**
   * Relations in the schemas in scope that are not tables here: views, materialized views, foreign
   * tables, sequences, and partitions with their root.
   */
  private static final String OTHER_RELATIONS_SQL =
      """
      SELECT n.nspname, c.relname, c.relkind::text, c.relispartition, rn.nspname, rc.relname
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_catalog.pg_class rc
        ON c.relispartition AND rc.oid = pg_catalog.pg_partition_root(c.oid)
      LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE n.nspname = ANY(?)
        AND (c.relkind IN ('v', 'm', 'f', 'S') OR (c.relispartition AND c.relkind IN ('r', 'p')))
      """;

  /**
   * Foreign keys with the child's or the parent's root in scope. Constraints cloned from a
   * partitioned table onto partitions (conparentid set) are copies of one declared constraint.
   */
  private static final String FOREIGN_KEYS_SQL =
      MEMBERS_CTE
          + """
          , fk AS (
            SELECT con.oid, con.conname, con.conrelid, con.confrelid, con.conkey, con.confkey,
                   con.condeferrable, con.condeferred,
                   coalesce(pg_catalog.pg_partition_root(con.conrelid)::oid, con.conrelid) AS child,
                   coalesce(pg_catalog.pg_partition_root(con.confrelid)::oid, con.confrelid)
                     AS parent
            FROM pg_catalog.pg_constraint con
            WHERE con.contype = 'f' AND con.conparentid = 0
          )
          SELECT fk.conname,
                 cn.nspname, cc.relname, pn.nspname, pc.relname, dn.nspname, dc.relname,
                 ARRAY(SELECT a.attname::text FROM unnest(fk.conkey) WITH ORDINALITY k(num, ord)
                       JOIN pg_catalog.pg_attribute a ON a.attrelid = fk.conrelid
                         AND a.attnum = k.num ORDER BY k.ord),
                 ARRAY(SELECT a.attname::text FROM unnest(fk.confkey) WITH ORDINALITY k(num, ord)
                       JOIN pg_catalog.pg_attribute a ON a.attrelid = fk.confrelid
                         AND a.attnum = k.num ORDER BY k.ord),
                 fk.condeferrable, fk.condeferred, pg_catalog.pg_get_constraintdef(fk.oid)
          FROM fk
          JOIN pg_catalog.pg_class cc ON cc.oid = fk.child
          JOIN pg_catalog.pg_namespace cn ON cn.oid = cc.relnamespace
          JOIN pg_catalog.pg_class pc ON pc.oid = fk.parent
          JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
          JOIN pg_catalog.pg_class dc ON dc.oid = fk.conrelid
          JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
          WHERE fk.child IN (SELECT root FROM members) OR fk.parent IN (SELECT root FROM members)
          """;

  /** Materialized views reading tables in scope, directly or through ordinary views. */
  private static final String MATERIALIZED_VIEWS_SQL =
      MEMBERS_CTE.replace("WITH scope", "WITH RECURSIVE scope")
          + """
      , reads(mv, rel) AS (
        SELECT r.ev_class, d.refobjid
        FROM pg_catalog.pg_rewrite r
        JOIN pg_catalog.pg_class mv ON mv.oid = r.ev_class AND mv.relkind = 'm'
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass
          AND d.objid = r.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.refobjid <> r.ev_class
        UNION
        SELECT reads.mv, d.refobjid
        FROM reads
        JOIN pg_catalog.pg_class v ON v.oid = reads.rel AND v.relkind = 'v'
        JOIN pg_catalog.pg_rewrite r ON r.ev_class = v.oid
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass
          AND d.objid = r.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.refobjid <> v.oid
      )
      SELECT DISTINCT n.nspname, mv.relname, mv.relispopulated, m.root
      FROM reads
      JOIN members m ON m.member = reads.rel
      JOIN pg_catalog.pg_class mv ON mv.oid = reads.mv
      JOIN pg_catalog.pg_namespace n ON n.oid = mv.relnamespace
      """;

  private static final String PUBLICATIONS_SQL =
      MEMBERS_CTE
          + """
          SELECT DISTINCT m.root, pt.pubname::text
          FROM pg_catalog.pg_publication_tables pt
          JOIN pg_catalog.pg_namespace n ON n.nspname = pt.schemaname
          JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename
          JOIN members m ON m.member = c.oid
          """;

  /** Children by legacy inheritance (INHERITS), which a TRUNCATE of the parent also empties. */
  private static final String INHERITANCE_SQL =
      MEMBERS_CTE
          + """
          SELECT m.root, n.nspname, c.relname
          FROM pg_catalog.pg_inherits i
          JOIN members m ON m.member = i.inhparent
          JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid AND NOT c.relispartition
            AND c.relkind IN ('r', 'p')
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          """;

  /** Relation locks of other sessions; prepared transactions hold locks with no pid. */
  private static final String LOCKS_SQL =
      MEMBERS_CTE
          + """
          SELECT DISTINCT m.root, coalesce(l.pid, 0), l.mode, l.granted,
                 a.usename::text, a.application_name, a.state
          FROM pg_catalog.pg_locks l
          JOIN members m ON m.member = l.relation
          LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'relation'
            AND l.database = (SELECT oid FROM pg_catalog.pg_database
                              WHERE datname = pg_catalog.current_database())
            AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()
          """;

  private final Connection connection;
  private final String[] schemas;

  private CatalogReader(Connection connection, List<String> schemas) {
    this.connection = connection;
    this.schemas = schemas.toArray(new String[0]);
  }

  /**
   * Reads the catalog of the tables in {@code schemas} (names exactly as in the database,
   * unquoted). See the class comment for what happens to transactions and locks.
   */
  public static Catalog read(Connection connection, List<String> schemas) throws SQLException {
    return Transactions.inCallersOrReadOnlySnapshot(
        connection, c -> new CatalogReader(c, schemas).readAll());
  }

  private Catalog readAll() throws SQLException {
    ServerInfo server = ServerInfo.read(connection);
    String systemIdentifier =
        server.systemIdentifier() == null ? "unavailable" : server.systemIdentifier();
    List<String> available = new ArrayList<>();
    try (PreparedStatement ps = connection.prepareStatement(SCHEMAS_SQL);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        available.add(rs.getString(1));
      }
    }
    available.sort(null);

    Map<Long, TableBuilder> roots = readRelations();
    Map<Long, TableName> rootNames = new HashMap<>();
    roots.forEach((oid, b) -> rootNames.put(oid, b.name));
    readColumns(roots);
    readSequences(roots);
    readTriggers(roots);
    readPublications(roots);
    readInheritance(roots);
    List<ForeignKey> foreignKeys = readForeignKeys();
    List<MaterializedView> views = readMaterializedViews(rootNames);
    List<TableLock> locks = readLocks(rootNames);
    List<OtherRelation> others = readOtherRelations();

    List<Table> tables = roots.values().stream().map(TableBuilder::build).sorted(BY_NAME).toList();
    return new Catalog(
        server.database(),
        server.version(),
        server.versionNum(),
        systemIdentifier,
        server.inRecovery(),
        server.user(),
        Arrays.asList(schemas),
        tables,
        foreignKeys,
        available,
        views,
        locks,
        others);
  }

  private static final Comparator<Table> BY_NAME = Comparator.comparing(Table::name);

  private PreparedStatement prepare(String sql) throws SQLException {
    PreparedStatement ps = connection.prepareStatement(sql);
    Array array = connection.createArrayOf("text", schemas);
    ps.setArray(1, array);
    return ps;
  }

  private Map<Long, TableBuilder> readRelations() throws SQLException {
    Map<Long, TableBuilder> roots = new TreeMap<>();
    List<Object[]> partitionRows = new ArrayList<>();
    try (PreparedStatement ps = prepare(RELATIONS_SQL);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        long root = rs.getLong(1);
        long member = rs.getLong(2);
        TableName name = new TableName(rs.getString(3), rs.getString(4));
        String relkind = rs.getString(5);
        Relation rel =
            new Relation(
                name,
                relkind.equals("p"),
                rs.getString(6),
                rs.getBoolean(7),
                rs.getDouble(8),
                rs.getLong(9),
                rs.getLong(10),
                rs.getBoolean(11),
                rs.getBoolean(12));
        if (root == member) {
          roots.computeIfAbsent(root, k -> new TableBuilder()).root(rel);
        } else {
          partitionRows.add(new Object[] {root, rel});
        }
      }
    }
    for (Object[] row : partitionRows) {
      TableBuilder b = roots.get((Long) row[0]);
      if (b != null) {
        b.partition((Relation) row[1]);
      }
    }
    return roots;
  }

  private void readColumns(Map<Long, TableBuilder> roots) throws SQLException {
    try (PreparedStatement ps = prepare(COLUMNS_SQL);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        TableBuilder b = roots.get(rs.getLong(1));
        if (b != null) {
          String identity = rs.getString(6);
          b.columns.add(
              new Column(
                  rs.getString(2),
                  rs.getString(3),
                  rs.getBoolean(4),
                  rs.getBoolean(5),
                  identity == null ? "" : identity,
                  rs.getString(7)));
        }
      }
    }
  }

  private void readSequences(Map<Long, TableBuilder> roots) throws SQLException {
    try (PreparedStatement ps = prepare(SEQUENCES_SQL);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        TableBuilder b = roots.get(rs.getLong(1));
        if (b != null) {
          b.sequences.add(
              new SequenceRef(rs.getString(3), rs.getString(4), rs.getString(2), rs.getBoolean(5)));
        }
      }
    }
  }

  private void readTriggers(Map<Long, TableBuilder> roots) throws SQLException {
    try (PreparedStatement ps = prepare(TRIGGERS_SQL);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        TableBuilder b = roots.get(rs.getLong(1));
        if (b != null) {
          b.triggers.add(
              new Trigger(
                  rs.getString(2),
                  rs.getBoolean(3),
                  rs.getBoolean(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getBoolean(7),
                  rs.getString(8),
                  rs.getString(9),
                  triggerArguments(rs.getBytes(10))));
        }
      }
    }
  }

  /** {@code pg_trigger.tgargs}: each argument ends with a NUL byte. */
  private static List<String> triggerArguments(byte[] raw) {
    List<String> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    int start = 0;
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == 0) {
        out.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    return out;
  }

  private List<OtherRelation> readOtherRelations() throws SQLException {
    List<OtherRelation> out = new ArrayList<>();
    try (PreparedStatement ps = prepare(OTHER_RELATIONS_SQL);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        TableName name = new TableName(rs.getString(1), rs.getString(2));
        if (rs.getBoolean(4)) {
          out.add(
              new OtherRelation(
                  name,
                  OtherRelation.Kind.PARTITION,
                  new TableName(rs.getString(5), rs.getString(6))));
          continue;
        }
        OtherRelation.Kind kind =
            switch (rs.getString(3)) {
              case "v" -> OtherRelation.Kind.VIEW;
              case "m" -> OtherRelation.Kind.MATERIALIZED_VIEW;
              case "f" -> OtherRelation.Kind.FOREIGN_TABLE;
              default -> OtherRelation.Kind.SEQUENCE;
            };
        out.add(new OtherRelation(name, kind, null));
      }
    }
    out.sort(Comparator.comparing(OtherRelation::name));
    return out;
  }

  private void readPublications(Map<Long, TableBuilder> roots) throws SQLException {
    try (PreparedStatement ps = prepare(PUBLICATIONS_SQL);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        TableBuilder b = roots.get(rs.getLong(1));
        if (b != null) {
          b.publications.add(rs.getString(2));
        }
      }
    }
  }

  private void readInheritance(Map<Long, TableBuilder> roots) throws SQLException {
    try (PreparedStatement ps = prepare(INHERITANCE_SQL);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        TableBuilder b = roots.get(rs.getLong(1));
        if (b != null) {
          b.inheritanceChildren.add(new TableName(rs.getString(2), rs.getString(3)));
        }
      }
    }
  }

  private List<ForeignKey> readForeignKeys() throws SQLException {
    List<ForeignKey> out = new ArrayList<>();
    try (PreparedStatement ps = prepare(FOREIGN_KEYS_SQL);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(
            new ForeignKey(
                rs.getString(1),
                new TableName(rs.getString(2), rs.getString(3)),
                strings(rs.getArray(8)),
                new TableName(rs.getString(4), rs.getString(5)),
                strings(rs.getArray(9)),
                rs.getBoolean(10),
                rs.getBoolean(11),
                new TableName(rs.getString(6), rs.getString(7)),
                rs.getString(12)));
      }
    }
    out.sort(
        Comparator.comparing(ForeignKey::child)
            .thenComparing(ForeignKey::declaredOn)
            .thenComparing(ForeignKey::name));
    return out;
  }

  private List<MaterializedView> readMaterializedViews(Map<Long, TableName> rootNames)
      throws SQLException {
    Map<TableName, Boolean> populated = new TreeMap<>();
    Map<TableName, Set<TableName>> reads = new TreeMap<>();
    try (PreparedStatement ps = prepare(MATERIALIZED_VIEWS_SQL);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        TableName view = new TableName(rs.getString(1), rs.getString(2));
        TableName table = rootNames.get(rs.getLong(4));
        if (table != null) {
          populated.put(view, rs.getBoolean(3));
          reads.computeIfAbsent(view, k -> new TreeSet<>()).add(table);
        }
      }
    }
    List<MaterializedView> out = new ArrayList<>();
    reads.forEach(
        (view, tables) ->
            out.add(new MaterializedView(view, populated.get(view), List.copyOf(tables))));
    return out;
  }

  private List<TableLock> readLocks(Map<Long, TableName> rootNames) throws SQLException {
    List<TableLock> out = new ArrayList<>();
    try (PreparedStatement ps = prepare(LOCKS_SQL);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        TableName table = rootNames.get(rs.getLong(1));
        if (table != null) {
          out.add(
              new TableLock(
                  table,
                  rs.getInt(2),
                  rs.getString(3),
                  rs.getBoolean(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7)));
        }
      }
    }
    out.sort(
        Comparator.comparing(TableLock::table)
            .thenComparingInt(TableLock::pid)
            .thenComparing(TableLock::mode));
    return out;
  }

  private static List<String> strings(Array array) throws SQLException {
    return List.of((String[]) array.getArray());
  }

  /** One row of pg_class: a root table or one of its partitions. */
  private record Relation(
      TableName name,
      boolean partitioned,
      String owner,
      boolean canTruncate,
      double reltuples,
      long relpages,
      long sizeBytes,
      boolean canSelect,
      boolean rowSecurityActive) {

    /** The planner's estimate, or -1 when the relation was never analyzed or vacuumed. */
    long estimate() {
      // PostgreSQL 14+ stores -1 for "unknown"; 13 stores 0 with relpages 0
      if (reltuples < 0 || (reltuples == 0 && relpages == 0)) {
        return -1;
      }
      return Math.round(reltuples);
    }
  }

  /** Collects the rows that make up one {@link Table}. */
  private static final class TableBuilder {
    Relation root;
    final List<Relation> partitions = new ArrayList<>();
    final List<Column> columns = new ArrayList<>();
    final Set<SequenceRef> sequences = new LinkedHashSet<>();
    final List<Trigger> triggers = new ArrayList<>();
    final Set<String> publications = new TreeSet<>();
    final Set<TableName> inheritanceChildren = new TreeSet<>();
    TableName name;

    void root(Relation r) {
      root = r;
      name = r.name();
    }

    void partition(Relation r) {
      partitions.add(r);
    }

    Table build() {
      boolean canTruncate = root.canTruncate();
      boolean rowSecurity = root.rowSecurityActive();
      long size = root.sizeBytes();
      long estimate = -1;
      List<Relation> leaves = new ArrayList<>();
      if (root.partitioned()) {
        for (Relation p : partitions) {
          canTruncate &= p.canTruncate();
          rowSecurity |= p.rowSecurityActive();
          size += p.sizeBytes();
          if (!p.partitioned()) {
            leaves.add(p);
          }
        }
        for (Relation leaf : leaves) {
          long e = leaf.estimate();
          if (e >= 0) {
            estimate = Math.max(estimate, 0) + e;
          }
        }
      } else {
        estimate = root.estimate();
      }
      List<SequenceRef> seqs = new ArrayList<>(sequences);
      seqs.sort(
          Comparator.comparing(SequenceRef::column)
              .thenComparing(SequenceRef::schema)
              .thenComparing(SequenceRef::name));
      List<Trigger> trigs = new ArrayList<>(triggers);
      trigs.sort(Comparator.comparing(Trigger::name));
      Map<String, Boolean> seen = new LinkedHashMap<>();
      trigs.removeIf(t -> seen.put(t.name() + "\0" + t.function(), true) != null);
      return new Table(
          name,
          root.partitioned(),
          partitions.stream().map(Relation::name).sorted().toList(),
          columns,
          seqs,
          trigs,
          root.owner(),
          canTruncate,
          estimate,
          size,
          List.copyOf(publications),
          root.canSelect(),
          List.copyOf(inheritanceChildren),
          rowSecurity);
    }
  }
}

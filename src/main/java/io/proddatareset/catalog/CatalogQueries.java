package io.proddatareset.catalog;

/**
 * The read-only catalog queries of {@link CatalogReader}, for PostgreSQL 13 to 17. Each but {@link
 * #SCHEMAS_SQL} takes the schemas in scope as its one parameter (a text array).
 */
final class CatalogQueries {
  private CatalogQueries() {}

  /**
   * Root tables in scope and every partition below them, each with its root. A partition is mapped
   * to its root even when the partition lives in a schema outside the scope.
   */
  static final String MEMBERS_CTE =
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

  static final String SCHEMAS_SQL =
      """
      SELECT nspname FROM pg_catalog.pg_namespace
      WHERE nspname NOT IN ('pg_catalog', 'information_schema')
        AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%'
      """;

  static final String RELATIONS_SQL =
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

  static final String COLUMNS_SQL =
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
  static final String SEQUENCES_SQL =
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
  static final String TRIGGERS_SQL =
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
                 l.lanname::text, p.prosrc, t.tgargs, (t.tgtype & 8) <> 0, (t.tgtype & 16) <> 0
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
  static final String OTHER_RELATIONS_SQL =
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
  static final String FOREIGN_KEYS_SQL =
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
  static final String MATERIALIZED_VIEWS_SQL =
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

  static final String PUBLICATIONS_SQL =
      MEMBERS_CTE
          + """
          SELECT DISTINCT m.root, pt.pubname::text
          FROM pg_catalog.pg_publication_tables pt
          JOIN pg_catalog.pg_namespace n ON n.nspname = pt.schemaname
          JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename
          JOIN members m ON m.member = c.oid
          """;

  /** Children by legacy inheritance (INHERITS), which a TRUNCATE of the parent also empties. */
  static final String INHERITANCE_SQL =
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
  static final String LOCKS_SQL =
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
}

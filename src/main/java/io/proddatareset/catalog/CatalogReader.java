package io.proddatareset.catalog;

import static io.proddatareset.catalog.CatalogQueries.COLUMNS_SQL;
import static io.proddatareset.catalog.CatalogQueries.FOREIGN_KEYS_SQL;
import static io.proddatareset.catalog.CatalogQueries.INHERITANCE_SQL;
import static io.proddatareset.catalog.CatalogQueries.LOCKS_SQL;
import static io.proddatareset.catalog.CatalogQueries.MATERIALIZED_VIEWS_SQL;
import static io.proddatareset.catalog.CatalogQueries.OTHER_RELATIONS_SQL;
import static io.proddatareset.catalog.CatalogQueries.PUBLICATIONS_SQL;
import static io.proddatareset.catalog.CatalogQueries.RELATIONS_SQL;
import static io.proddatareset.catalog.CatalogQueries.SCHEMAS_SQL;
import static io.proddatareset.catalog.CatalogQueries.SEQUENCES_SQL;
import static io.proddatareset.catalog.CatalogQueries.TRIGGERS_SQL;

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

  /** Reads one row of a result. */
  @FunctionalInterface
  private interface Row {
    void read(ResultSet rs) throws SQLException;
  }

  /** Reads one row about the root table whose oid is in the first column. */
  @FunctionalInterface
  private interface RootRow {
    void read(TableBuilder table, ResultSet rs) throws SQLException;
  }

  /** Runs {@code sql} with the schemas as its parameter and reads each row. */
  private void eachRow(String sql, Row row) throws SQLException {
    try (PreparedStatement ps = prepare(sql);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        row.read(rs);
      }
    }
  }

  /**
   * {@link #eachRow} for rows about root tables; rows about tables not in {@code roots} are left.
   */
  private void eachRootRow(String sql, Map<Long, TableBuilder> roots, RootRow row)
      throws SQLException {
    eachRow(
        sql,
        rs -> {
          TableBuilder b = roots.get(rs.getLong(1));
          if (b != null) {
            row.read(b, rs);
          }
        });
  }

  private Map<Long, TableBuilder> readRelations() throws SQLException {
    Map<Long, TableBuilder> roots = new TreeMap<>();
    List<Map.Entry<Long, TableBuilder.Relation>> partitions = new ArrayList<>();
    eachRow(
        RELATIONS_SQL,
        rs -> {
          long root = rs.getLong(1);
          TableBuilder.Relation rel =
              new TableBuilder.Relation(
                  new TableName(rs.getString(3), rs.getString(4)),
                  rs.getString(5).equals("p"),
                  rs.getString(6),
                  rs.getBoolean(7),
                  rs.getDouble(8),
                  rs.getLong(9),
                  rs.getLong(10),
                  rs.getBoolean(11),
                  rs.getBoolean(12));
          if (root == rs.getLong(2)) {
            roots.computeIfAbsent(root, k -> new TableBuilder()).root(rel);
          } else {
            partitions.add(Map.entry(root, rel));
          }
        });
    for (Map.Entry<Long, TableBuilder.Relation> p : partitions) {
      TableBuilder b = roots.get(p.getKey());
      if (b != null) {
        b.partition(p.getValue());
      }
    }
    return roots;
  }

  private void readColumns(Map<Long, TableBuilder> roots) throws SQLException {
    eachRootRow(
        COLUMNS_SQL,
        roots,
        (b, rs) -> {
          String identity = rs.getString(6);
          b.columns.add(
              new Column(
                  rs.getString(2),
                  rs.getString(3),
                  rs.getBoolean(4),
                  rs.getBoolean(5),
                  identity == null ? "" : identity,
                  rs.getString(7)));
        });
  }

  private void readSequences(Map<Long, TableBuilder> roots) throws SQLException {
    eachRootRow(
        SEQUENCES_SQL,
        roots,
        (b, rs) ->
            b.sequences.add(
                new SequenceRef(
                    rs.getString(3), rs.getString(4), rs.getString(2), rs.getBoolean(5))));
  }

  private void readTriggers(Map<Long, TableBuilder> roots) throws SQLException {
    eachRootRow(
        TRIGGERS_SQL,
        roots,
        (b, rs) ->
            b.triggers.add(
                new Trigger(
                    rs.getString(2),
                    rs.getBoolean(3),
                    rs.getBoolean(11),
                    rs.getBoolean(12),
                    rs.getBoolean(4),
                    rs.getString(5),
                    rs.getString(6),
                    rs.getBoolean(7),
                    rs.getString(8),
                    rs.getString(9),
                    triggerArguments(rs.getBytes(10)))));
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
    eachRow(
        OTHER_RELATIONS_SQL,
        rs -> {
          TableName name = new TableName(rs.getString(1), rs.getString(2));
          if (rs.getBoolean(4)) {
            out.add(
                new OtherRelation(
                    name,
                    OtherRelation.Kind.PARTITION,
                    new TableName(rs.getString(5), rs.getString(6))));
            return;
          }
          OtherRelation.Kind kind =
              switch (rs.getString(3)) {
                case "v" -> OtherRelation.Kind.VIEW;
                case "m" -> OtherRelation.Kind.MATERIALIZED_VIEW;
                case "f" -> OtherRelation.Kind.FOREIGN_TABLE;
                default -> OtherRelation.Kind.SEQUENCE;
              };
          out.add(new OtherRelation(name, kind, null));
        });
    out.sort(Comparator.comparing(OtherRelation::name));
    return out;
  }

  private void readPublications(Map<Long, TableBuilder> roots) throws SQLException {
    eachRootRow(PUBLICATIONS_SQL, roots, (b, rs) -> b.publications.add(rs.getString(2)));
  }

  private void readInheritance(Map<Long, TableBuilder> roots) throws SQLException {
    eachRootRow(
        INHERITANCE_SQL,
        roots,
        (b, rs) -> b.inheritanceChildren.add(new TableName(rs.getString(2), rs.getString(3))));
  }

  private List<ForeignKey> readForeignKeys() throws SQLException {
    List<ForeignKey> out = new ArrayList<>();
    eachRow(
        FOREIGN_KEYS_SQL,
        rs ->
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
                    rs.getString(12))));
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
    eachRow(
        MATERIALIZED_VIEWS_SQL,
        rs -> {
          TableName view = new TableName(rs.getString(1), rs.getString(2));
          TableName table = rootNames.get(rs.getLong(4));
          if (table != null) {
            populated.put(view, rs.getBoolean(3));
            reads.computeIfAbsent(view, k -> new TreeSet<>()).add(table);
          }
        });
    List<MaterializedView> out = new ArrayList<>();
    reads.forEach(
        (view, tables) ->
            out.add(new MaterializedView(view, populated.get(view), List.copyOf(tables))));
    return out;
  }

  private List<TableLock> readLocks(Map<Long, TableName> rootNames) throws SQLException {
    List<TableLock> out = new ArrayList<>();
    eachRow(
        LOCKS_SQL,
        rs -> {
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
        });
    out.sort(
        Comparator.comparing(TableLock::table)
            .thenComparingInt(TableLock::pid)
            .thenComparing(TableLock::mode));
    return out;
  }

  private static List<String> strings(Array array) throws SQLException {
    return List.of((String[]) array.getArray());
  }
}

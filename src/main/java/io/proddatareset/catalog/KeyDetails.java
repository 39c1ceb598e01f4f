package io.proddatareset.catalog;

import io.proddatareset.pg.Transactions;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a row closure needs to know about keys beyond {@link Catalog}: each foreign key's {@code ON
 * DELETE} rule, and each table's primary key and kind, for every table of the database (a foreign
 * key may lead to a schema outside the scope). Read with read-only catalog queries.
 *
 * @param rules the delete rule of each foreign key, by {@link #id(ForeignKey)}
 * @param tables the key facts of every ordinary and partitioned root table, by name
 */
public record KeyDetails(Map<String, DeleteRule> rules, Map<TableName, TableKey> tables) {

  public KeyDetails {
    rules = Map.copyOf(rules);
    tables = Map.copyOf(tables);
  }

  /** What {@code ON DELETE} does to the referencing rows. */
  public enum Action {
    NO_ACTION,
    RESTRICT,
    CASCADE,
    SET_NULL,
    SET_DEFAULT;

    /** Whether the referencing rows go with the referenced ones (rather than being updated). */
    public boolean deletes() {
      return this == NO_ACTION || this == RESTRICT || this == CASCADE;
    }

    /** As in SQL: {@code ON DELETE SET NULL}. */
    public String sql() {
      return "ON DELETE " + name().replace('_', ' ');
    }
  }

  /**
   * The delete rule of one foreign key.
   *
   * @param setColumns for {@code SET NULL (cols)} / {@code SET DEFAULT (cols)} (PostgreSQL 15+),
   *     the child columns that are set; empty when all of the key's child columns are
   */
  public record DeleteRule(Action action, List<String> setColumns) {
    public DeleteRule {
      setColumns = List.copyOf(setColumns);
    }
  }

  /**
   * @param partitioned a partitioned table (its rows are in its partitions)
   * @param primaryKey the primary key's columns in key order, empty when it has none
   * @param primaryKeyTypes their formatted types, e.g. {@code bigint}
   */
  public record TableKey(
      boolean partitioned, List<String> primaryKey, List<String> primaryKeyTypes) {
    public TableKey {
      primaryKey = List.copyOf(primaryKey);
      primaryKeyTypes = List.copyOf(primaryKeyTypes);
    }
  }

  /** The key of {@link #rules()}: where the constraint is declared, and its name. */
  public static String id(ForeignKey fk) {
    return fk.declaredOn().sql() + "." + fk.name();
  }

  public DeleteRule rule(ForeignKey fk) {
    DeleteRule rule = rules.get(id(fk));
    if (rule == null) {
      throw new IllegalStateException("no delete rule read for " + id(fk));
    }
    return rule;
  }

  public Optional<TableKey> table(TableName name) {
    return Optional.ofNullable(tables.get(name));
  }

  private static final String RULES_SQL =
      """
      SELECT n.nspname, c.relname, con.conname, con.confdeltype::text, %s
      FROM pg_catalog.pg_constraint con
      JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE con.contype = 'f' AND con.conparentid = 0
      """;

  private static final String SET_COLUMNS_SQL =
      """
      ARRAY(SELECT a.attname::text FROM unnest(con.confdelsetcols) WITH ORDINALITY k(num, ord)
            JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
            ORDER BY k.ord)
      """;

  private static final String TABLES_SQL =
      """
      SELECT n.nspname, c.relname, c.relkind = 'p',
             ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(num, ord)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.num
                   ORDER BY k.ord),
             ARRAY(SELECT pg_catalog.format_type(a.atttypid, a.atttypmod)
                   FROM unnest(i.indkey) WITH ORDINALITY k(num, ord)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.num
                   ORDER BY k.ord)
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_toast%'
      """;

  /**
   * Reads the key details. Like {@link CatalogReader#read}: inside the caller's transaction when
   * auto-commit is off, otherwise in a read-only transaction of its own.
   */
  public static KeyDetails read(Connection connection) throws SQLException {
    return Transactions.inCallersOrReadOnlySnapshot(connection, KeyDetails::readIn);
  }

  private static KeyDetails readIn(Connection c) throws SQLException {
    boolean setColumns = c.getMetaData().getDatabaseMajorVersion() >= 15;
    Map<String, DeleteRule> rules = new HashMap<>();
    try (PreparedStatement ps =
            c.prepareStatement(
                String.format(RULES_SQL, setColumns ? SET_COLUMNS_SQL : "ARRAY[]::text[]"));
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        TableName on = new TableName(rs.getString(1), rs.getString(2));
        rules.put(
            on.sql() + "." + rs.getString(3),
            new DeleteRule(action(rs.getString(4)), strings(rs.getArray(5))));
      }
    }
    Map<TableName, TableKey> tables = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(TABLES_SQL);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        tables.put(
            new TableName(rs.getString(1), rs.getString(2)),
            new TableKey(rs.getBoolean(3), strings(rs.getArray(4)), strings(rs.getArray(5))));
      }
    }
    return new KeyDetails(rules, tables);
  }

  private static Action action(String code) {
    return switch (code) {
      case "a" -> Action.NO_ACTION;
      case "r" -> Action.RESTRICT;
      case "c" -> Action.CASCADE;
      case "n" -> Action.SET_NULL;
      case "d" -> Action.SET_DEFAULT;
      default -> throw new IllegalStateException("unknown confdeltype " + code);
    };
  }

  private static List<String> strings(Array array) throws SQLException {
    return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
  }
}

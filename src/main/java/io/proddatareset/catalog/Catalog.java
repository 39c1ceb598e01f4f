package io.proddatareset.catalog;

import java.util.List;
import java.util.Optional;

/**
 * A read-only picture of one database, taken by {@code CatalogReader} for the schemas in scope.
 *
 * @param database the database name
 * @param serverVersion e.g. {@code 16.4}
 * @param serverVersionNum e.g. {@code 160004}
 * @param systemIdentifier the cluster's system identifier (from pg_control_system)
 * @param hotStandby true when the server is in recovery (a read-only standby)
 * @param currentUser the role the tool is connected as
 * @param schemas the schemas in scope
 * @param tables every ordinary and partitioned root table in those schemas, sorted by name
 * @param foreignKeys every foreign key with its parent or its child in those tables (a child
 *     outside the schemas in scope still matters: it would block or be wiped by a TRUNCATE)
 * @param availableSchemas every schema of the database except system ones, sorted (to suggest a
 *     name when {@code --schema} names one that does not exist)
 * @param materializedViews materialized views that read tables in scope
 * @param locks locks other sessions held or awaited on tables in scope when the catalog was read
 * @param otherRelations views, materialized views, foreign tables, sequences and partitions in the
 *     schemas in scope, sorted by name: not tables to reset or keep, but names a user may give
 */
public record Catalog(
    String database,
    String serverVersion,
    int serverVersionNum,
    String systemIdentifier,
    boolean hotStandby,
    String currentUser,
    List<String> schemas,
    List<Table> tables,
    List<ForeignKey> foreignKeys,
    List<String> availableSchemas,
    List<MaterializedView> materializedViews,
    List<TableLock> locks,
    List<OtherRelation> otherRelations) {

  public Catalog {
    schemas = List.copyOf(schemas);
    tables = List.copyOf(tables);
    foreignKeys = List.copyOf(foreignKeys);
    availableSchemas = List.copyOf(availableSchemas);
    materializedViews = List.copyOf(materializedViews);
    locks = List.copyOf(locks);
    otherRelations = List.copyOf(otherRelations);
  }

  public Optional<Table> table(TableName name) {
    return tables.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** The names of {@link #tables()}, sorted. */
  public List<TableName> tableNames() {
    return tables.stream().map(Table::name).toList();
  }

  /** Foreign keys whose child is {@code table} (declared on it or on one of its partitions). */
  public List<ForeignKey> foreignKeysFrom(TableName table) {
    return foreignKeys.stream().filter(fk -> fk.child().equals(table)).toList();
  }

  /** Foreign keys that reference {@code table}. */
  public List<ForeignKey> foreignKeysTo(TableName table) {
    return foreignKeys.stream().filter(fk -> fk.parent().equals(table)).toList();
  }
}

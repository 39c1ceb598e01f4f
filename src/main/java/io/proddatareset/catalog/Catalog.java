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
    List<ForeignKey> foreignKeys) {

  public Catalog {
    schemas = List.copyOf(schemas);
    tables = List.copyOf(tables);
    foreignKeys = List.copyOf(foreignKeys);
  }

  public Optional<Table> table(TableName name) {
    return tables.stream().filter(t -> t.name().equals(name)).findFirst();
  }
}

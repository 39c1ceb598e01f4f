package io.proddatareset.plan;

import java.util.Locale;
import java.util.Set;

/**
 * Tables that record which schema migrations ran. Emptying one makes the migration tool re-run
 * every migration, so they are kept unless named in {@code --reset}.
 */
public final class MigrationTables {
  /** Names used by Rails, Flyway, Prisma, Drizzle, Django, Alembic, Knex, goose and Liquibase. */
  public static final Set<String> NAMES =
      Set.of(
          "schema_migrations",
          "flyway_schema_history",
          "_prisma_migrations",
          "__drizzle_migrations",
          "django_migrations",
          "alembic_version",
          "ar_internal_metadata",
          "knex_migrations",
          "knex_migrations_lock",
          "goose_db_version",
          "databasechangelog",
          "databasechangeloglock");

  private MigrationTables() {}

  public static boolean isMigrationTable(String tableName) {
    return NAMES.contains(tableName.toLowerCase(Locale.ROOT));
  }
}

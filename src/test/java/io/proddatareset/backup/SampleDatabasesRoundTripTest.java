package io.proddatareset.backup;

import static io.proddatareset.backup.RoundTrips.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips of the public sample databases, and restoring pg_dump's own data-only file. */
class SampleDatabasesRoundTripTest {
  @TempDir Path dir;

  @Test
  void pagilaWithPartitionsTriggersAndSharedSequences() {
    TestDatabase db = TestPostgres.freshDatabase().loadPagila();
    roundTrip(db, dir.resolve("pagila.sql.zst"), "--all", "-j", "2");
  }

  @Test
  void chinookQuotedIdentifiers() {
    TestDatabase db = TestPostgres.freshDatabase().loadChinookQuoted();
    roundTrip(db, dir.resolve("chinook.sql"), "--all", "-j", "1");
  }

  @Test
  void chinookIdentityColumns() {
    TestDatabase db =
        TestPostgres.freshDatabase()
            .loadChinookSelfCreating("Chinook_PostgreSql_AutoIncrementPKs.sql");
    roundTrip(db, dir.resolve("chinook-identity.sql.gz"), "--all");
  }

  @Test
  void northwindByteaAndEmptyTables() {
    TestDatabase db = TestPostgres.freshDatabase().loadNorthwind();
    assertThat(db.snapshot().values()).anySatisfy(rows -> assertThat(rows).isEmpty());
    roundTrip(db, dir.resolve("northwind.sql.gz"), "--all", "-j", "2");
  }

  @Test
  void restoresPagilaDataWrittenByPgDump() {
    TestDatabase expected = TestPostgres.freshDatabase().loadPagila();
    TestDatabase db = TestPostgres.freshDatabase().loadPagilaSchemaOnly();
    Path file = TestDatabase.FIXTURES.resolve("real/pagila/pagila-data.sql");

    Cli.Result r = RoundTrips.restore(db, file);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.err()).contains("no manifest");
    assertThat(r.out()).contains("Not checked: no manifest");
    Map<String, List<String>> want = expected.snapshot();
    assertThat(db.snapshot()).isEqualTo(want);
    assertThat(db.sequences()).isEqualTo(expected.sequences());
    // the planner got statistics for the columns the foreign keys join on before they were
    // validated: on both sides of each key, partitions included, and only those columns (the
    // schema-only database had no statistics at all)
    assertThat(
            db.queryStrings(
                "SELECT tablename || '.' || attname FROM pg_stats WHERE schemaname = 'public'"
                    + " AND tablename IN ('payment_p2022_01', 'customer', 'rental')"
                    + " ORDER BY 1"))
        .containsExactly(
            "customer.address_id",
            "customer.customer_id",
            "customer.store_id",
            "payment_p2022_01.customer_id",
            "payment_p2022_01.rental_id",
            "payment_p2022_01.staff_id",
            "rental.customer_id",
            "rental.inventory_id",
            "rental.rental_id",
            "rental.staff_id");
  }
}

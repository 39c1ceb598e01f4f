package io.proddatareset.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The fixtures load through JDBC alone, without psql. */
class FixturesTest {
  @Test
  void pmAgentLoadsAtScale() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    assertThat(db.count("projects")).isEqualTo(2);
    assertThat(db.count("users")).isEqualTo(20);
    assertThat(db.count("raw_notes")).isEqualTo(200);
    assertThat(db.queryStrings("SELECT body FROM raw_notes LIMIT 1").get(0))
        .contains("\t")
        .contains("\n");
  }

  @Test
  void realSampleDatabasesLoad() {
    assertThat(TestPostgres.freshDatabase().loadPagila().count("public.payment"))
        .isGreaterThan(10000);
    assertThat(TestPostgres.freshDatabase().loadChinookQuoted().count("\"Track\"")).isEqualTo(3503);
    assertThat(TestPostgres.freshDatabase().loadNorthwind().count("orders")).isEqualTo(830);
    assertThat(
            TestPostgres.freshDatabase()
                .loadChinookSelfCreating("Chinook_PostgreSql_AutoIncrementPKs.sql")
                .count("track"))
        .isEqualTo(3503);
  }
}

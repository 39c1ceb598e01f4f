package io.proddatareset.cli;

import static io.proddatareset.catalog.OrderAssertions.assertLeafFirst;
import static io.proddatareset.cli.PlanCommandTest.json;
import static io.proddatareset.cli.PlanCommandTest.tablesWith;
import static io.proddatareset.cli.PlanCommandTest.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import io.proddatareset.demo.PostgresBinaries;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/** Plans on pagila and chinook, with locks of other sessions, and on a hot standby. */
class PlanSampleSchemasTest {

  /** Checks the JSON order against the catalog's keys, with the JSON's cycle groups. */
  static void assertOrderValid(JsonNode plan, Catalog catalog) {
    List<String> order = texts(plan.get("order"));
    Map<String, TableName> byDisplay =
        catalog.tableNames().stream()
            .collect(java.util.stream.Collectors.toMap(TableName::display, n -> n));
    List<List<String>> cycles =
        java.util.stream.StreamSupport.stream(plan.get("cycles").spliterator(), false)
            .map(c -> texts(c.get("tables")))
            .toList();
    List<TruncationOrder.Group> groups =
        order.stream()
            .map(
                n -> {
                  List<String> cycle =
                      cycles.stream().filter(c -> c.contains(n)).findFirst().orElse(List.of(n));
                  return new TruncationOrder.Group(
                      cycle.stream().map(byDisplay::get).toList(),
                      cycles.contains(cycle),
                      List.of());
                })
            .distinct()
            .toList();
    assertThat(order).allMatch(byDisplay::containsKey);
    assertLeafFirst(new TruncationOrder(groups), catalog.foreignKeys());
  }

  static Catalog catalog(TestDatabase db) throws Exception {
    try (Connection c = db.connect()) {
      return CatalogReader.read(c, List.of("public"));
    }
  }

  @Test
  void pagilaPartitionedPaymentIsOneTableOrderedBeforeItsParents() throws Exception {
    TestDatabase pagila = TestPostgres.freshDatabase().loadPagila();
    Map<String, List<String>> before = pagila.snapshot();
    Cli.Result r =
        new Cli().run("plan", pagila.url(), "--keep", "language,country,city,category", "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode plan = json(r);
    List<String> reset = tablesWith(plan, "reset");
    assertThat(reset).contains("public.payment", "public.rental", "public.customer");
    assertThat(reset).noneMatch(n -> n.startsWith("public.payment_p"));
    List<String> order = texts(plan.get("order"));
    assertThat(order.indexOf("public.payment")).isLessThan(order.indexOf("public.rental"));
    assertThat(order.indexOf("public.payment")).isLessThan(order.indexOf("public.staff"));
    assertOrderValid(plan, catalog(pagila));
    JsonNode payment =
        java.util.stream.StreamSupport.stream(plan.get("tables").spliterator(), false)
            .filter(t -> t.get("name").asText().equals("public.payment"))
            .findFirst()
            .orElseThrow();
    assertThat(payment.get("rows").asLong()).isEqualTo(pagila.count("public.payment"));
    assertThat(plan.get("warnings").findValuesAsText("code")).contains("MATERIALIZED_VIEW");
    assertThat(pagila.snapshot()).isEqualTo(before);
  }

  @Test
  void chinookQuotedNamesMatchExactlyAndTheSelfReferenceIsGrouped() throws Exception {
    TestDatabase chinook = TestPostgres.freshDatabase().loadChinookQuoted();
    Cli.Result r =
        new Cli()
            .run(
                "plan",
                chinook.url(),
                "--keep",
                "Genre,\"MediaType\"",
                "--keep",
                "public.\"Artist\"",
                "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode plan = json(r);
    assertThat(tablesWith(plan, "keep"))
        .containsExactlyInAnyOrder("public.\"Genre\"", "public.\"MediaType\"", "public.\"Artist\"");
    assertThat(tablesWith(plan, "reset")).contains("public.\"Employee\"", "public.\"Track\"");
    assertThat(texts(plan.get("cycles").get(0).get("tables")))
        .containsExactly("public.\"Employee\"");
    assertOrderValid(plan, catalog(chinook));

    Cli.Result lowerCase = new Cli().run("plan", chinook.url(), "--keep", "genre");
    assertThat(lowerCase.exitCode()).isEqualTo(2);
    assertThat(lowerCase.err())
        .contains("--keep genre names no table in scope: did you mean \"Genre\"?");

    Cli.Result text = new Cli().run("plan", chinook.url(), "--keep", "Genre");
    assertThat(text.out()).contains("(references itself: FK_EmployeeReportsTo)");
  }

  @Test
  void anotherSessionsLockOnAResetTableIsAWarning() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec("CREATE TABLE users (id int PRIMARY KEY)", "CREATE TABLE events (id int)");
    try (Connection other = db.connect()) {
      other.setAutoCommit(false);
      try (Statement st = other.createStatement()) {
        st.execute("SET application_name = 'busy-worker'");
        st.execute("INSERT INTO events VALUES (1)");
      }
      int pid = other.unwrap(PGConnection.class).getBackendPID();
      Cli.Result r = new Cli().run("plan", db.url(), "--keep", "users");
      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(r.out())
          .contains(
              "[LOCKED_BY_OTHER_SESSION] Session pid "
                  + pid
                  + " (user postgres, busy-worker,"
                  + " idle in transaction) holds RowExclusiveLock on public.events")
          .contains("Hazards: none.");
      // the uncommitted row is not counted
      assertThat(r.out()).containsPattern("reset +public\\.events +0 ");
      other.rollback();
    }
    assertThat(new Cli().run("plan", db.url(), "--keep", "users").out())
        .doesNotContain("LOCKED_BY_OTHER_SESSION");
  }

  /**
   * A real hot standby without pg_basebackup: a cleanly stopped cluster restarted with
   * standby.signal stays in recovery and accepts read-only connections.
   */
  @Test
  @Tag("single-version")
  void aHotStandbyIsRefused() throws Exception {
    Path dir = Files.createTempDirectory("pdr-standby");
    try {
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setPgBinaryResolver(PostgresBinaries.fromJar(TestPostgres.binaries()))
              .setDataDirectory(dir)
              .setCleanDataDirectory(false);
      try (EmbeddedPostgres primary = builder.start();
          Connection c = primary.getPostgresDatabase().getConnection();
          Statement st = c.createStatement()) {
        st.execute("CREATE TABLE kept (id int); CREATE TABLE wiped (id int)");
      }
      Files.writeString(dir.resolve("standby.signal"), "");
      try (EmbeddedPostgres standby = builder.start()) {
        String url =
            "postgres://postgres@localhost:" + standby.getPort() + "/postgres?sslmode=disable";
        Cli.Result r = new Cli().run("plan", url, "--keep", "kept", "--json");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        JsonNode plan = json(r);
        assertThat(plan.get("hotStandby").asBoolean()).isTrue();
        assertThat(plan.get("hazards").get(0).get("code").asText()).isEqualTo("HOT_STANDBY");
        assertThat(plan.get("hazards").get(0).get("remedy").asText()).contains("primary");
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}

package io.proddatareset.cli;

import static io.proddatareset.catalog.OrderAssertions.assertLeafFirst;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dry-run as a user runs it, on the PM Agent fixture and on real sample schemas. */
class PlanCommandTest {
  static final List<String> SEED_RESET =
      List.of(
          "public.review_queue",
          "public.entity_events",
          "public.entity_sources",
          "public.entity_relationships",
          "public.entity_tags",
          "public.entities",
          "public.epics",
          "public.raw_notes",
          "public.tags",
          "public.projects");
  static final ObjectMapper JSON = new ObjectMapper();

  static TestDatabase pm;

  @BeforeAll
  static void loadPmAgent() {
    pm = TestPostgres.freshDatabase().loadPmAgent(2);
  }

  static JsonNode json(Cli.Result r) throws Exception {
    return JSON.readTree(r.out());
  }

  static List<String> texts(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  static List<String> tablesWith(JsonNode plan, String action) {
    List<String> out = new ArrayList<>();
    plan.get("tables")
        .forEach(
            t -> {
              if (t.get("action").asText().equals(action)) {
                out.add(t.get("name").asText());
              }
            });
    return out;
  }

  static Catalog catalog(TestDatabase db, String... schemas) throws Exception {
    try (Connection c = db.connect()) {
      return CatalogReader.read(c, List.of(schemas));
    }
  }

  @Test
  void pmAgentSeedPolicyResetsTheTenTablesLeafFirstAndChangesNothing() throws Exception {
    Map<String, List<String>> before = pm.snapshot();
    Map<String, String> sequencesBefore = pm.sequences();

    Cli.Result r = new Cli().run("plan", pm.url(), "--keep", "users,api_keys", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode plan = json(r);
    assertThat(plan.get("database").asText()).isEqualTo(pm.name());
    assertThat(plan.get("hazards")).isEmpty();
    assertThat(plan.get("refused").asBoolean()).isFalse();
    assertThat(tablesWith(plan, "reset")).containsExactlyInAnyOrderElementsOf(SEED_RESET);
    assertThat(tablesWith(plan, "keep"))
        .containsExactlyInAnyOrder("public.users", "public.api_keys", "public.schema_migrations");
    for (JsonNode t : plan.get("tables")) {
      assertThat(t.get("rows").asLong())
          .as(t.get("name").asText())
          .isEqualTo(pm.count(t.get("name").asText()));
      assertThat(t.get("rowsExact").asBoolean()).isTrue();
    }
    List<String> order = texts(plan.get("order"));
    assertThat(order).containsExactlyInAnyOrderElementsOf(SEED_RESET);
    Catalog catalog = catalog(pm, "public");
    List<TruncationOrder.Group> groups =
        order.stream()
            .map(n -> new TruncationOrder.Group(List.of(name(n)), false, List.of()))
            .toList();
    assertLeafFirst(new TruncationOrder(groups), catalog.foreignKeys());

    assertThat(pm.snapshot()).isEqualTo(before);
    assertThat(pm.sequences()).isEqualTo(sequencesBefore);
  }

  static TableName name(String display) {
    String[] parts = display.split("\\.", 2);
    return new TableName(parts[0], parts[1].replace("\"", ""));
  }

  @Test
  void textShowsTargetServerTablesOrderAndPlanId() {
    Cli.Result r =
        new Cli()
            .env("DATABASE_URL", pm.url())
            .run("plan", "--keep", "users", "--keep", "api_keys");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains(
            "Plan for postgresql://postgres@localhost:" + TestPostgres.port() + "/" + pm.name())
        .contains("PostgreSQL " + TestPostgres.majorVersion())
        .contains("Truncation order (children before parents):")
        .contains("Hazards: none.")
        .containsPattern(
            "reset +public\\.review_queue +[0-9,]+ +[0-9]+ (bytes|kB|MB) +not named in --keep")
        .containsPattern("keep +public\\.schema_migrations .*migration history")
        .containsPattern("Plan id: [0-9a-f]{12}")
        .contains("Dry-run: nothing was changed.");
  }

  @Test
  void theSeedsFormWithoutACommandIsTheSamePlan() throws Exception {
    Cli.Result viaPlan = new Cli().run("plan", pm.url(), "--keep", "users,api_keys", "--json");
    Cli.Result seedForm = new Cli().run(pm.url(), "--keep", "users,api_keys", "--json");
    Cli.Result policyFile =
        new Cli().run(pm.url(), "--policy", "examples/pm-agent.policy.yaml", "--json");
    assertThat(seedForm.exitCode()).as(seedForm.toString()).isZero();
    assertThat(policyFile.exitCode()).as(policyFile.toString()).isZero();
    String id = json(viaPlan).get("planId").asText();
    assertThat(json(seedForm).get("planId").asText()).isEqualTo(id);
    assertThat(json(policyFile).get("planId").asText()).isEqualTo(id);
    assertThat(tablesWith(json(policyFile), "reset"))
        .containsExactlyInAnyOrderElementsOf(SEED_RESET);
  }

  @Test
  void aTypoInKeepIsRefusedWithASuggestionAndChangesNothing() {
    Map<String, List<String>> before = pm.snapshot();
    Cli.Result r = new Cli().run("plan", pm.url(), "--keep", "usres,api_keys");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("--keep usres names no table in scope: did you mean users?");
    assertThat(pm.snapshot()).isEqualTo(before);

    Cli.Result seedForm = new Cli().run(pm.url(), "--keep", "users", "--reset", "projcts");
    assertThat(seedForm.exitCode()).isEqualTo(2);
    assertThat(seedForm.err()).contains("did you mean projects?");
  }

  @Test
  void anUnknownSchemaIsAUsageError() {
    Cli.Result r = new Cli().run("plan", pm.url(), "--schema", "pubic", "--keep", "users");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--schema pubic names no schema").contains("did you mean public?");
  }

  @Test
  void onlyResetKeepsEverythingElseAndMigrationTablesNeedToBeNamed() throws Exception {
    JsonNode onlyReset = json(new Cli().run("plan", pm.url(), "--reset", "review_queue", "--json"));
    assertThat(tablesWith(onlyReset, "reset")).containsExactly("public.review_queue");
    assertThat(onlyReset.get("hazards")).isEmpty();

    Cli.Result resetMigrations =
        new Cli().run("plan", pm.url(), "--reset", "schema_migrations,review_queue", "--json");
    assertThat(tablesWith(json(resetMigrations), "reset"))
        .containsExactlyInAnyOrder("public.schema_migrations", "public.review_queue");
  }

  @Test
  void keptTableReferencingAResetTableIsRefusedNamingConstraintAndColumn() throws Exception {
    // reset users, keep the rest: every table with an FK to users is a kept child of a reset parent
    Map<String, List<String>> before = pm.snapshot();
    Cli.Result r = new Cli().run("plan", pm.url(), "--reset", "users", "--json");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.err()).contains("Refused").contains("KEPT_REFERENCES_RESET");
    JsonNode plan = json(r);
    assertThat(plan.get("refused").asBoolean()).isTrue();
    List<String> messages = new ArrayList<>();
    plan.get("hazards")
        .forEach(
            h -> {
              assertThat(h.get("code").asText()).isEqualTo("KEPT_REFERENCES_RESET");
              assertThat(h.get("remedy").asText()).isNotBlank();
              messages.add(h.get("message").asText());
            });
    assertThat(messages)
        .anyMatch(
            m ->
                m.contains("Kept table public.projects references reset table public.users")
                    && m.contains("column owner_id")
                    && m.contains("constraint projects_owner_id_fkey"));
    // one hazard per constraint, all reported together
    assertThat(messages)
        .hasSize(
            (int)
                pm.queryLong(
                    "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = 'users'::regclass"));
    assertThat(pm.snapshot()).isEqualTo(before);

    Cli.Result text = new Cli().run("plan", pm.url(), "--reset", "users");
    assertThat(text.exitCode()).isEqualTo(3);
    assertThat(text.out())
        .contains("the reset is refused")
        .contains(
            "What to do: Reset public.projects too (--reset), or keep public.users (--keep).");
  }

  @Test
  void withBothListsAnUnclassifiedTableIsRefused() throws Exception {
    Cli.Result r =
        new Cli()
            .run(
                "plan",
                pm.url(),
                "--keep",
                "users,api_keys",
                "--reset",
                String.join(",", SEED_RESET.subList(0, 9)).replace("public.", ""),
                "--json");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    JsonNode hazards = json(r).get("hazards");
    assertThat(hazards).hasSize(1);
    assertThat(hazards.get(0).get("code").asText()).isEqualTo("UNCLASSIFIED_TABLE");
    assertThat(hazards.get(0).get("message").asText())
        .contains("public.projects is named in neither --keep nor --reset");
    assertThat(tablesWith(json(r), "unclassified")).containsExactly("public.projects");
  }

  @Test
  void noPolicyShowsTheTablesButRefuses() throws Exception {
    Cli.Result r = new Cli().run("plan", pm.url(), "--json");
    assertThat(r.exitCode()).isEqualTo(3);
    JsonNode plan = json(r);
    assertThat(plan.get("hazards").get(0).get("code").asText()).isEqualTo("NO_POLICY");
    assertThat(tablesWith(plan, "unclassified")).hasSize(12);
    assertThat(tablesWith(plan, "keep")).containsExactly("public.schema_migrations");
  }

  @Test
  void estimateUsesPlannerStatisticsAndSaysSo() throws Exception {
    Cli.Result r = new Cli().run("plan", pm.url(), "--keep", "users,api_keys", "--estimate");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("ROWS (est.)").contains("ESTIMATED_ROWS").contains("~");
    JsonNode plan =
        json(new Cli().run("plan", pm.url(), "--keep", "users,api_keys", "--estimate", "--json"));
    assertThat(plan.get("exactRows").asBoolean()).isFalse();
    JsonNode users =
        StreamSupport.stream(plan.get("tables").spliterator(), false)
            .filter(t -> t.get("name").asText().equals("public.users"))
            .findFirst()
            .orElseThrow();
    // loadPmAgent analyzes, so the estimate is the real count here
    assertThat(users.get("rows").asLong()).isEqualTo(pm.count("users"));
    assertThat(users.get("rowsExact").asBoolean()).isFalse();
  }

  @Test
  void jsonShape() throws Exception {
    JsonNode plan = json(new Cli().run(pm.url(), "--keep", "users,api_keys", "--json"));
    assertThat(plan.fieldNames())
        .toIterable()
        .contains(
            "target",
            "database",
            "serverVersion",
            "planId",
            "tables",
            "order",
            "hazards",
            "warnings",
            "cycles",
            "refused",
            "exactRows",
            "schemas");
    assertThat(plan.get("target").asText()).doesNotContain("password").startsWith("postgresql://");
    assertThat(plan.get("planId").asText()).matches("[0-9a-f]{12}");
    JsonNode table = plan.get("tables").get(0);
    assertThat(table.fieldNames())
        .toIterable()
        .contains("name", "action", "rows", "sizeBytes", "reason");
    assertThat(plan.get("order").isArray()).isTrue();
  }

  @Test
  void thePasswordNeverShowsAndUnreadableTablesAreRefused() throws Exception {
    Cli.Result r = new Cli().run("plan", pm.passwordUrl(), "--keep", "users,api_keys");
    String encoded =
        java.net.URLEncoder.encode(TestPostgres.PASSWORD, java.nio.charset.StandardCharsets.UTF_8);
    assertThat(r.out() + r.err()).doesNotContain(TestPostgres.PASSWORD).doesNotContain(encoded);
    assertThat(r.out())
        .contains("Plan for postgresql://" + TestPostgres.PASSWORD_ROLE + "@localhost:")
        .contains("[NO_SELECT_PRIVILEGE]")
        .contains("[NO_TRUNCATE_PRIVILEGE]");
    assertThat(r.exitCode()).isEqualTo(3);
  }

  @Test
  void unknownCommandIsAUsageErrorNotAUrl() {
    Cli.Result r = new Cli().run("plna");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown command 'plna'").contains("plan");
  }
}

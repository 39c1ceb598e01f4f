package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.plan.RowClosure;
import io.proddatareset.plan.RowSelection;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plan --where}: the rows of a subset reset, as a user sees them, on real databases. */
class SubsetPlanCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static TestDatabase pm;

  @BeforeAll
  static void load() {
    pm = TestPostgres.freshDatabase().loadPmAgent(3);
  }

  static JsonNode json(Cli.Result r) throws Exception {
    return JSON.readTree(r.out());
  }

  /** "action name" to rows, for every entry of the plan's JSON. */
  static Map<String, Long> entries(JsonNode plan) {
    Map<String, Long> out = new TreeMap<>();
    for (JsonNode t : plan.get("tables")) {
      String key = t.get("action").asText() + " " + t.get("name").asText();
      assertThat(out).as("one entry per table and action").doesNotContainKey(key);
      out.put(key, t.get("rows").asLong());
    }
    return out;
  }

  /** The same, from {@link RowClosure#compute} itself, for the delete and update entries. */
  static Map<String, Long> closureEntries(TestDatabase db, String... where) throws Exception {
    try (Connection c = db.connect()) {
      Catalog catalog = CatalogReader.read(c, List.of("public"));
      KeyDetails keys = KeyDetails.read(c);
      RowClosure.Result closure =
          RowClosure.compute(
              c,
              catalog,
              keys,
              RowSelection.resolve(catalog, keys, List.of(where), List.of(), null));
      Map<String, Long> out = new TreeMap<>();
      for (RowClosure.Reached r : closure.tables()) {
        if (r.deleteRows() > 0) {
          out.put("delete " + r.table().display(), r.deleteRows());
        }
        if (r.updateRows() > 0) {
          out.put("update " + r.table().display(), r.updateRows());
        }
      }
      return out;
    }
  }

  static Map<String, Long> withActions(Map<String, Long> entries, String... actions) {
    Map<String, Long> out = new TreeMap<>();
    entries.forEach(
        (k, v) -> {
          if (List.of(actions).contains(k.substring(0, k.indexOf(' ')))) {
            out.put(k, v);
          }
        });
    return out;
  }

  @Test
  void pmAgentOneProjectListsTheClosuresRowsPerTableAndActionAndChangesNothing() throws Exception {
    Map<String, List<String>> before = pm.snapshot();

    Cli.Result r =
        new Cli().run("plan", pm.url(), "--where", "projects: id = 1", "--keep", "users", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode plan = json(r);
    Map<String, Long> entries = entries(plan);
    Map<String, Long> closure = closureEntries(pm, "projects: id = 1");
    assertThat(withActions(entries, "delete", "update")).isEqualTo(closure);
    assertThat(closure)
        .containsEntry("delete public.projects", 1L)
        .containsEntry("delete public.entities", 250L)
        .containsKey("update public.entities")
        .containsEntry(
            "delete public.tags", pm.queryLong("SELECT count(*) FROM tags WHERE project_id = 1"));
    // every other table is kept, with its whole row count, and nothing is reset whole
    assertThat(withActions(entries, "keep"))
        .containsOnlyKeys(
            "keep public.users", "keep public.api_keys", "keep public.schema_migrations")
        .containsEntry("keep public.users", pm.count("public.users"));
    assertThat(withActions(entries, "reset")).isEmpty();
    assertThat(plan.get("refused").asBoolean()).isFalse();
    assertThat(plan.get("order")).isEmpty();
    JsonNode selection = plan.get("selection");
    assertThat(selection.get("conditions").get(0).get("table").asText())
        .isEqualTo("public.projects");
    assertThat(selection.get("conditions").get(0).get("condition").asText()).isEqualTo("id = 1");
    List<String> deleteOrder = new ArrayList<>();
    selection.get("deleteOrder").forEach(n -> deleteOrder.add(n.asText()));
    assertThat(deleteOrder.indexOf("public.entity_events"))
        .isLessThan(deleteOrder.indexOf("public.entities"));
    assertThat(deleteOrder.indexOf("public.entities"))
        .isLessThan(deleteOrder.indexOf("public.projects"));
    assertThat(deleteOrder.get(deleteOrder.size() - 1)).isEqualTo("public.projects");
    JsonNode tags = entry(plan, "delete", "public.tags");
    assertThat(tags.get("path").get(0).get("constraint").asText())
        .isEqualTo("tags_project_id_fkey");
    assertThat(tags.get("rowsExact").asBoolean()).isTrue();
    assertThat(pm.snapshot()).isEqualTo(before);
  }

  static JsonNode entry(JsonNode plan, String action, String name) {
    for (JsonNode t : plan.get("tables")) {
      if (t.get("action").asText().equals(action) && t.get("name").asText().equals(name)) {
        return t;
      }
    }
    throw new AssertionError("no entry " + action + " " + name + " in " + plan.get("tables"));
  }

  @Test
  void textShowsTheRowsToDeleteAndUpdateThePathsTheOrderAndThePlanId() {
    Cli.Result r = new Cli().run("plan", pm.url(), "--where", "projects: id = 1");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("Where:   public.projects: id = 1\n")
        .containsPattern("delete +public\\.projects +1 .* selected by --where")
        .containsPattern(
            "delete +public\\.tags +[0-9]+ .* public\\.projects > public\\.tags by"
                + " tags_project_id_fkey \\(CASCADE\\)")
        .containsPattern(
            "update +public\\.entities +[0-9]+ .* other rows, by entities_epic_id_fkey")
        .containsPattern("keep +public\\.users +[0-9]+ .* not reached by --where")
        .containsPattern("Delete [0-9,]+ rows in 10 tables and update [0-9,]+ rows? in 1 table")
        .contains("Delete order (children before parents):")
        .doesNotContain("Truncation order")
        .contains("Hazards: none.")
        .containsPattern("Plan id: [0-9a-f]{12}")
        .contains("Dry-run: nothing was changed.");
  }

  @Test
  void thePlanIdCoversTheConditionAndTheClosuresCounts() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    String one = planId(db, "--where", "projects: id = 1");
    assertThat(planId(db, "--where", "projects: id = 1")).isEqualTo(one);
    assertThat(planId(db, "--where", "projects: id = 2")).isNotEqualTo(one);
    // another text for the same rows is another condition
    assertThat(planId(db, "--where", "projects: id IN (1)")).isNotEqualTo(one);
    String whole = planId(db, "--keep", "users");
    assertThat(whole).isNotEqualTo(one);
    // a row added to the closure since the plan: the confirmed plan no longer names every row
    db.exec("INSERT INTO tags (project_id, name) VALUES (1, 'added-since')");
    assertThat(planId(db, "--where", "projects: id = 1")).isNotEqualTo(one);
    // a whole-table plan's id does not follow the data
    assertThat(planId(db, "--keep", "users")).isEqualTo(whole);
  }

  static String planId(TestDatabase db, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("plan", db.url(), "--json"));
    all.addAll(List.of(args));
    Cli.Result r = new Cli().run(all.toArray(new String[0]));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return json(r).get("planId").asText();
  }

  @Test
  void aClosureThatReachesAKeptTableIsRefusedWithThePathAndWhatToDo() throws Exception {
    // entities are kept, but the project's entities depend on it
    Cli.Result r =
        new Cli().run("plan", pm.url(), "--where", "projects: id = 1", "--keep", "entity_tags");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.out())
        .contains(
            "[CLOSURE_REACHES_KEPT] The --where selection reaches kept table public.entity_tags")
        .contains("(named in --keep)")
        .contains(
            "by public.projects -> public.entities by public.entities(project_id) ->"
                + " public.projects(id) (entities_project_id_fkey, ON DELETE CASCADE) ->"
                + " public.entity_tags by")
        .contains("What to do: Remove public.entity_tags from the kept tables")
        .contains("narrow the --where condition");
    assertThat(r.err()).contains("CLOSURE_REACHES_KEPT").contains("Nothing was changed");
    JsonNode plan =
        json(
            new Cli()
                .run(
                    "plan",
                    pm.url(),
                    "--where",
                    "projects: id = 1",
                    "--keep",
                    "entity_tags",
                    "--json"));
    assertThat(plan.get("refused").asBoolean()).isTrue();
    assertThat(plan.get("hazards").get(0).get("code").asText()).isEqualTo("CLOSURE_REACHES_KEPT");
    // a kept table the closure does not reach is fine
    assertThat(
            new Cli()
                .run("plan", pm.url(), "--where", "projects: id = 1", "--keep", "users,api_keys")
                .exitCode())
        .isZero();
  }

  @Test
  void aConditionTheServerRefusesIsAUsageErrorWithItsMessageAndNothingChanges() {
    Map<String, List<String>> before = pm.snapshot();

    Cli.Result noColumn = new Cli().run("plan", pm.url(), "--where", "projects: no_such = 1");
    assertThat(noColumn.exitCode()).as(noColumn.toString()).isEqualTo(2);
    assertThat(noColumn.err())
        .contains("The condition on public.projects was refused by the server")
        .contains("column \"no_such\" does not exist")
        .contains("nothing was changed");
    assertThat(noColumn.out()).isEmpty();

    Cli.Result second =
        new Cli().run("plan", pm.url(), "--where", "projects: true; DELETE FROM projects");
    assertThat(second.exitCode()).as(second.toString()).isEqualTo(2);

    Cli.Result writes =
        new Cli()
            .run(
                "plan",
                pm.url(),
                "--where",
                "projects: id IN (SELECT id FROM (DELETE FROM tags RETURNING project_id AS id) d)");
    assertThat(writes.exitCode()).as(writes.toString()).isEqualTo(2);
    assertThat(pm.snapshot()).isEqualTo(before);
  }

  /**
   * A table the condition reads is locked by another session (a migration) beyond the lock timeout:
   * the plan gives up saying so (exit 1), and does not blame the condition.
   */
  @Test
  void aLockedTableIsNotBlamedOnTheCondition() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    try (java.sql.Connection holder = db.connect()) {
      holder.setAutoCommit(false);
      try (java.sql.Statement st = holder.createStatement()) {
        st.execute("LOCK TABLE projects IN ACCESS EXCLUSIVE MODE");
      }
      Cli.Result r =
          org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
              java.time.Duration.ofSeconds(60),
              () -> new Cli().run("plan", db.url(), "--where", "projects: id = 1"));
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err())
          .contains("waiting for a table lock held by pid")
          .doesNotContain("correct the --where condition");
      holder.rollback();
    }
  }

  @Test
  void aTypoInATableNameIsRefusedWithASuggestion() {
    Cli.Result r = new Cli().run("plan", pm.url(), "--where", "projcts: id = 1");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("--where 'projcts: id = 1'").contains("did you mean projects?");
    Cli.Result ref =
        new Cli()
            .run(
                "plan",
                pm.url(),
                "--where",
                "projects: id = 1",
                "--reference",
                "tagz(project_id) -> projects(id)");
    assertThat(ref.exitCode()).as(ref.toString()).isEqualTo(2);
    assertThat(ref.err()).contains("did you mean tags?");
  }

  /** A self-reference with SET NULL and one with CASCADE, a composite key, a cycle. */
  static final String SHAPES =
      """
      CREATE TABLE country (id int PRIMARY KEY, name text, capital_id int);
      CREATE TABLE city (id int PRIMARY KEY, country_id int NOT NULL REFERENCES country(id),
        name text);
      ALTER TABLE country ADD CONSTRAINT country_capital_fkey
        FOREIGN KEY (capital_id) REFERENCES city(id);
      CREATE TABLE person (id int PRIMARY KEY,
        country_id int REFERENCES country(id) ON DELETE CASCADE,
        manager_id int REFERENCES person(id) ON DELETE CASCADE,
        mentor_id int REFERENCES person(id) ON DELETE SET NULL);
      CREATE TABLE district (country_id int REFERENCES country(id) ON DELETE CASCADE,
        code int, name text, PRIMARY KEY (country_id, code));
      CREATE TABLE address (id int PRIMARY KEY, region int, district_code int,
        FOREIGN KEY (region, district_code) REFERENCES district (country_id, code));
      INSERT INTO country VALUES (1, 'one', NULL), (2, 'two', NULL);
      INSERT INTO city VALUES (10, 1, 'ten'), (20, 2, 'twenty');
      UPDATE country SET capital_id = 10 WHERE id = 1;
      UPDATE country SET capital_id = 20 WHERE id = 2;
      INSERT INTO person VALUES
        (1, 2, NULL, NULL), (2, 2, 1, NULL), (3, 2, NULL, 1), (4, 2, NULL, 2), (5, 2, NULL, NULL);
      INSERT INTO district VALUES (1, 1, 'd11'), (2, 1, 'd21');
      INSERT INTO address VALUES (1, 1, 1), (2, 2, 1), (3, 1, NULL);
      """;

  @Test
  void aSelfReferenceWithSetNullGivesTheTableTwoEntriesAndACycleIsNamed() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SHAPES);

    // person 1 goes, person 2 (managed by 1, CASCADE) with it; 3 and 4 (mentored by 1 and 2,
    // SET NULL) are updated
    Cli.Result r = new Cli().run("plan", db.url(), "--where", "person: id = 1", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode plan = json(r);
    assertThat(withActions(entries(plan), "delete", "update"))
        .isEqualTo(Map.of("delete public.person", 2L, "update public.person", 2L))
        .isEqualTo(closureEntries(db, "person: id = 1"));
    assertThat(entry(plan, "update", "public.person").get("reason").asText())
        .isEqualTo("other rows, by person_mentor_id_fkey (SET NULL / SET DEFAULT)");
    assertThat(withActions(entries(plan), "keep").keySet())
        .containsExactlyInAnyOrder(
            "keep public.country",
            "keep public.city",
            "keep public.district",
            "keep public.address");

    // a country takes its cities (a non-deferrable cycle), people, districts and addresses
    Cli.Result country = new Cli().run("plan", db.url(), "--where", "country: id = 1");
    assertThat(country.exitCode()).as(country.toString()).isZero();
    assertThat(country.out())
        .containsPattern("delete +public\\.country +1 ")
        .containsPattern("delete +public\\.city +1 ")
        .containsPattern("delete +public\\.address +1 ")
        .containsPattern(
            "[0-9]+\\. public\\.city, public\\.country +\\(foreign-key cycle, deleted together:"
                + " city_country_id_fkey, country_capital_fkey\\)");
    JsonNode cycles =
        json(new Cli().run("plan", db.url(), "--where", "country: id = 1", "--json"))
            .get("selection")
            .get("deleteCycles");
    assertThat(cycles).hasSize(1);
  }

  @Test
  void theTriggersTheRowResetSetsOffAreNamedWithTheirRows() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SHAPES);
    // person 1 and 2 are deleted, 3 and 4 updated (SET NULL): a DELETE trigger and an UPDATE
    // trigger on person fire; a disabled one, and an UPDATE trigger on a table the reset only
    // deletes from, do not
    db.exec(
        "CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
        "CREATE TRIGGER person_gone AFTER DELETE ON person FOR EACH ROW EXECUTE FUNCTION audit()",
        "CREATE TRIGGER person_changed AFTER UPDATE ON person EXECUTE FUNCTION audit()",
        "CREATE TRIGGER person_off AFTER DELETE ON person EXECUTE FUNCTION audit()",
        "ALTER TABLE person DISABLE TRIGGER person_off",
        "CREATE TRIGGER district_changed AFTER UPDATE ON district EXECUTE FUNCTION audit()");

    Cli.Result r = new Cli().run("plan", db.url(), "--where", "person: id = 1", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    List<String> warnings = new java.util.ArrayList<>();
    for (JsonNode w : json(r).get("warnings")) {
      if (w.get("code").asText().equals("ROW_TRIGGER")) {
        warnings.add(w.get("message").asText());
      }
    }
    assertThat(warnings)
        .containsExactly(
            "public.person: trigger person_changed (audit) fires as the reset updates 2 rows (SET"
                + " NULL / SET DEFAULT keys). What it does is the app's own: it is not in the"
                + " backup, and a restore does not undo it.",
            "public.person: trigger person_gone (audit) fires as the reset deletes 2 rows. What it"
                + " does is the app's own: it is not in the backup, and a restore does not undo"
                + " it.");
    // country 2 takes every person with it (none is left to update) and its district
    Cli.Result country = new Cli().run("plan", db.url(), "--where", "country: id = 2");
    assertThat(country.exitCode()).as(country.toString()).isZero();
    assertThat(country.out())
        .contains(
            "[ROW_TRIGGER] public.person: trigger person_gone (audit) fires as the reset deletes 5"
                + " rows.")
        .doesNotContain("person_changed")
        .doesNotContain("person_off")
        .doesNotContain("district_changed");
  }

  static final String TENANTS =
      """
      CREATE TABLE tenants (id bigint PRIMARY KEY, name text);
      CREATE TABLE users (id bigint PRIMARY KEY,
        tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE, email text);
      CREATE TABLE invoices (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, amount int);
      CREATE TABLE invoice_lines (id bigint PRIMARY KEY,
        invoice_id bigint NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
        tenant_id bigint NOT NULL);
      CREATE TABLE settings (tenant_id bigint PRIMARY KEY, value text);
      INSERT INTO tenants SELECT g, 'tenant ' || g FROM generate_series(1, 4) g;
      INSERT INTO users SELECT g, 1 + g % 4, 'u' || g FROM generate_series(1, 40) g;
      INSERT INTO invoices SELECT g, 1 + g % 4, g FROM generate_series(1, 30) g;
      INSERT INTO invoice_lines SELECT g, 1 + g % 30, 1 + (1 + g % 30) % 4
        FROM generate_series(1, 90) g;
      INSERT INTO settings SELECT g, 'v' FROM generate_series(1, 4) g;
      """;

  @Test
  void undeclaredTenantColumnsAreNamedWithTheirRowsAndTheReferenceLineAndTheTenantKeyReachesThem()
      throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(TENANTS);

    Cli.Result r = new Cli().run("plan", db.url(), "--where", "tenants: id = 2");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    long invoices = db.queryLong("SELECT count(*) FROM invoices WHERE tenant_id = 2");
    assertThat(r.out())
        .contains(
            "[UNDECLARED_REFERENCE] public.invoices.tenant_id looks like a reference to"
                + " public.tenants(id) but has no foreign key: "
                + invoices
                + " rows of public.invoices hold the key of a deleted row and would stay; to"
                + " delete them too, add --reference 'public.invoices(tenant_id) ->"
                + " public.tenants(id)' (or --tenant-key tenant_id for every table with that"
                + " column).")
        .contains("1 row of public.settings holds the key of a deleted row")
        .contains("[UNDECLARED_REFERENCE] public.settings.tenant_id")
        .contains("[UNDECLARED_REFERENCE] public.invoice_lines.tenant_id")
        .containsPattern("keep +public\\.invoices ");
    JsonNode undeclared =
        json(new Cli().run("plan", db.url(), "--where", "tenants: id = 2", "--json"))
            .get("selection")
            .get("undeclaredReferences");
    assertThat(undeclared).hasSize(3);

    Cli.Result tenant =
        new Cli()
            .run(
                "plan",
                db.url(),
                "--where",
                "tenants: id = 2",
                "--tenant-key",
                "tenant_id",
                "--json");
    assertThat(tenant.exitCode()).as(tenant.toString()).isZero();
    JsonNode plan = json(tenant);
    Map<String, Long> expected = new TreeMap<>();
    expected.put("delete public.tenants", 1L);
    for (String table : List.of("users", "invoices", "invoice_lines", "settings")) {
      expected.put(
          "delete public." + table,
          db.queryLong("SELECT count(*) FROM " + table + " WHERE tenant_id = 2"));
    }
    assertThat(withActions(entries(plan), "delete", "update")).isEqualTo(expected);
    assertThat(plan.get("selection").get("undeclaredReferences")).isEmpty();
    assertThat(plan.get("selection").get("tenantKey").asText()).isEqualTo("tenant_id");
    assertThat(entry(plan, "delete", "public.invoices").get("path").get(0).get("origin").asText())
        .isEqualTo("--tenant-key tenant_id");

    // the reference lines the plan printed reach the same rows
    Cli.Result referenced =
        new Cli()
            .run(
                "plan",
                db.url(),
                "--where",
                "tenants: id = 2",
                "--reference",
                "public.invoices(tenant_id) -> public.tenants(id)",
                "--reference",
                "public.invoice_lines(tenant_id) -> public.tenants(id)",
                "--reference",
                "public.settings(tenant_id) -> public.tenants(id)",
                "--json");
    assertThat(withActions(entries(json(referenced)), "delete", "update")).isEqualTo(expected);
  }

  @Test
  void aPolicyFileWhereIsReadAsTheOptionsAreAndTheOptionsAddToIt(@TempDir Path dir)
      throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(TENANTS);
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(
        policy,
        """
        where:
          tenants: "id = 2"
        references:
          - invoices(tenant_id) -> tenants(id)
        keep: [users]
        """);

    Cli.Result fromFile = new Cli().run("plan", db.url(), "--policy", policy.toString(), "--json");
    Cli.Result fromOptions =
        new Cli()
            .run(
                "plan",
                db.url(),
                "--where",
                "tenants: id = 2",
                "--reference",
                "invoices(tenant_id) -> tenants(id)",
                "--keep",
                "users",
                "--json");

    // users is kept but the tenant's users depend on it: refused, the same way both times
    assertThat(fromFile.exitCode()).as(fromFile.toString()).isEqualTo(3);
    assertThat(fromOptions.exitCode()).as(fromOptions.toString()).isEqualTo(3);
    JsonNode a = json(fromFile);
    assertThat(entries(a)).isEqualTo(entries(json(fromOptions)));
    assertThat(a.get("planId").asText()).isEqualTo(json(fromOptions).get("planId").asText());
    assertThat(entries(a))
        .containsEntry(
            "delete public.invoices",
            db.queryLong("SELECT count(*) FROM invoices WHERE tenant_id = 2"));
    assertThat(a.get("hazards").get(0).get("message").asText())
        .contains("kept table public.users (listed in keep: of " + policy + ")");

    // --where on the command line adds to the file's where:
    Cli.Result more =
        new Cli()
            .run(
                "plan",
                db.url(),
                "--policy",
                policy.toString(),
                "--where",
                "tenants: id = 3",
                "--json");
    assertThat(json(more).get("selection").get("conditions")).hasSize(2);

    Files.writeString(policy, "where:\n  tenantz: \"id = 2\"\n");
    Cli.Result typo = new Cli().run("plan", db.url(), "--policy", policy.toString());
    assertThat(typo.exitCode()).as(typo.toString()).isEqualTo(2);
    assertThat(typo.err()).contains("did you mean tenants?");
    Files.writeString(policy, "where: [tenants]\n");
    Cli.Result list = new Cli().run("plan", db.url(), "--policy", policy.toString());
    assertThat(list.exitCode()).as(list.toString()).isEqualTo(2);
    assertThat(list.err()).contains("'where' must be a mapping from table to condition");
  }

  @Test
  void withEstimateTheWholeTablesAreEstimatedAndTheClosureIsExactAndSaysSo() throws Exception {
    Cli.Result r =
        new Cli().run("plan", pm.url(), "--where", "projects: id = 1", "--estimate", "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode plan = json(r);
    assertThat(withActions(entries(plan), "delete", "update"))
        .isEqualTo(closureEntries(pm, "projects: id = 1"));
    assertThat(entry(plan, "delete", "public.tags").get("rowsExact").asBoolean()).isTrue();
    assertThat(entry(plan, "keep", "public.users").get("rowsExact").asBoolean()).isFalse();
    assertThat(plan.get("warnings").toString())
        .contains("the rows the --where selection deletes and updates are exact counts");
  }

  @Test
  void resetWithWhereDeletesEveryRowOfTheNamedTablesInTheSameRowReset() throws Exception {
    Cli.Result r =
        new Cli()
            .run(
                "plan",
                pm.url(),
                "--where",
                "projects: id = 1",
                "--reset",
                "review_queue,entity_events",
                "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode plan = json(r);
    Map<String, Long> entries = entries(plan);
    // every row of a table named in --reset, through the same row reset (no TRUNCATE beside it)
    assertThat(entries)
        .containsEntry("delete public.review_queue", pm.count("public.review_queue"))
        .containsEntry("delete public.entity_events", pm.count("public.entity_events"))
        .containsKey("delete public.entities");
    assertThat(withActions(entries, "reset")).isEmpty();
    assertThat(plan.get("order")).isEmpty();

    Cli.Result text =
        new Cli().run("plan", pm.url(), "--where", "projects: id = 1", "--reset", "review_queue");
    assertThat(text.out())
        .contains("public.review_queue: every row (named in --reset)")
        .contains("every row: named in --reset");
  }

  @Test
  void schemaColoursTheClosureDeletedAndUpdatedTablesDistinctly() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SHAPES);

    Cli.Result mermaid =
        new Cli().run("schema", db.url(), "--where", "country: id = 1", "--format", "mermaid");
    assertThat(mermaid.exitCode()).as(mermaid.toString()).isZero();
    // country 1 takes its city, district and address (the cycle, CASCADE, NO ACTION); its people
    // are all in country 2
    assertThat(mermaid.out())
        .contains("classDef delete fill:#f5b7b1")
        .contains("classDef update fill:#fdebd0")
        .contains("  class t4 keep\n")
        .contains("  class t0,t1,t2,t3 delete\n")
        .doesNotContain(" update\n");

    // person 1 only: its mentees are updated, and person is deleted from too
    TestDatabase mentees = TestPostgres.freshDatabase();
    mentees.exec(
        SHAPES,
        "CREATE TABLE badge (id int PRIMARY KEY, person_id int REFERENCES person(id)"
            + " ON DELETE SET NULL)",
        "INSERT INTO badge VALUES (1, 1), (2, 5)");
    Cli.Result dot =
        new Cli().run("schema", mentees.url(), "--where", "person: id = 1", "--format", "dot");
    assertThat(dot.exitCode()).as(dot.toString()).isZero();
    assertThat(dot.out())
        .contains(
            "\"public.person\" [style=filled, fillcolor=\"#f5b7b1\", penwidth=2,"
                + " xlabel=\"delete, update\"];")
        .contains(
            "\"public.badge\" [style=filled, fillcolor=\"#fdebd0\", penwidth=2,"
                + " xlabel=\"update\"];")
        .contains("\"public.city\" [style=filled, fillcolor=\"#e2f5e4\"];");
    Cli.Result text = new Cli().run("schema", mentees.url(), "--where", "person: id = 1");
    assertThat(text.out())
        .containsPattern("public\\.person +delete, update ")
        .containsPattern("public\\.badge +update ")
        .contains("Delete order (rows by --where, children before parents):");
    // without --where, the same command colours no closure
    Cli.Result plain =
        new Cli().run("schema", mentees.url(), "--keep", "city", "--format", "mermaid");
    assertThat(plain.out()).doesNotContain("classDef delete");
  }

  @Test
  void policyInitWhereWritesTheSelectionAndPlanPolicyReadsItAsTheOptions(@TempDir Path dir)
      throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(TENANTS);
    Path file = dir.resolve("subset.yaml");
    String[] selection = {
      "--where", "tenants: id = 2 AND name <> 'it''s: \"odd\"'",
      "--reference", "invoices(tenant_id) -> tenants(id)"
    };
    List<String> init =
        new ArrayList<>(List.of("policy", "init", db.url(), "--output", file.toString()));
    init.addAll(List.of(selection));
    Cli.Result r = new Cli().run(init.toArray(new String[0]));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    String yaml = Files.readString(file);
    assertThat(yaml)
        .contains("where:\n  tenants: \"id = 2 AND name <> 'it''s: \\\"odd\\\"'\"\n")
        .contains("references:\n  - \"public.invoices(tenant_id) -> public.tenants(id)\"\n")
        .contains("#   users: 10 deleted, 0 updated")
        .contains("#   invoices: 8 deleted, 0 updated");
    // the tables the selection reaches are in neither list: kept, they would refuse it
    assertThat(yaml).doesNotContain("  - users\n").contains("  - settings\n");

    List<String> options = new ArrayList<>(List.of("plan", db.url(), "--json"));
    options.addAll(List.of(selection));
    JsonNode fromOptions = json(new Cli().run(options.toArray(new String[0])));
    Cli.Result fromFile = new Cli().run("plan", db.url(), "--policy", file.toString(), "--json");
    assertThat(fromFile.exitCode()).as(fromFile.toString()).isZero();
    assertThat(entries(json(fromFile))).isEqualTo(entries(fromOptions));
    assertThat(json(fromFile).get("planId").asText()).isEqualTo(fromOptions.get("planId").asText());
  }

  @Test
  void rowsTheUserMayNotDeleteAreAHazard() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        TENANTS,
        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + TestPostgres.PASSWORD_ROLE,
        "GRANT DELETE ON tenants TO " + TestPostgres.PASSWORD_ROLE);

    Cli.Result r = new Cli().run("plan", db.passwordUrl(), "--where", "tenants: id = 2");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.out())
        .contains(
            "[NO_DELETE_PRIVILEGE] User "
                + TestPostgres.PASSWORD_ROLE
                + " lacks the DELETE privilege on public.users, whose rows the --where selection"
                + " deletes")
        .contains("GRANT DELETE ON public.users TO " + TestPostgres.PASSWORD_ROLE)
        .doesNotContain("privilege on public.tenants");
    db.exec("GRANT DELETE ON users TO " + TestPostgres.PASSWORD_ROLE);
    Cli.Result granted = new Cli().run("plan", db.passwordUrl(), "--where", "tenants: id = 2");
    assertThat(granted.exitCode()).as(granted.toString()).isZero();
  }

  @Test
  void aTableOutsideTheSchemasInScopeThatTheClosureReachesIsListedAndSaysSo() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        SHAPES,
        "CREATE SCHEMA other",
        "CREATE TABLE other.note (id int, person_id int REFERENCES public.person(id), body text)",
        "INSERT INTO other.note VALUES (1, 2, 'about 2'), (2, 5, 'about 5')");

    Cli.Result r = new Cli().run("plan", db.url(), "--where", "person: id = 1", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode note = entry(json(r), "delete", "other.note");
    assertThat(note.get("rows").asLong()).isEqualTo(1);
    assertThat(note.get("sizeBytes").isNull()).isTrue();
    assertThat(note.get("reason").asText()).endsWith("(outside the schemas in scope)");
    assertThat(texts(json(r).get("selection").get("deleteOrder")))
        .containsSubsequence("other.note", "public.person");
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}

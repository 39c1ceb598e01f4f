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
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
}

package io.proddatareset.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Policy files of our own making, through the real CLI: a malformed file is a usage error (exit 2)
 * naming the file and the line, and a policy never resets more than it says (an empty list is
 * empty; a second key, an alias or a stray type never widens the reset).
 */
class PolicyFileCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> OTHERS =
      List.of("projects", "tags", "notes", "events", "audit_log", "files", "jobs", "comments");

  static TestDatabase db;
  @TempDir Path dir;

  @BeforeAll
  static void createTables() {
    db = TestPostgres.freshDatabase();
    List<String> sql = new ArrayList<>();
    for (String t : concat(List.of("users", "api_keys"), OTHERS)) {
      sql.add("CREATE TABLE " + t + " (id int PRIMARY KEY)");
      sql.add("INSERT INTO " + t + " SELECT generate_series(1, 3)");
    }
    db.exec(sql.toArray(new String[0]));
  }

  static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  Path file(String name, String yaml) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, yaml);
    return f;
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

  /** Resets with the policy file, as a user would; returns the result. */
  Cli.Result reset(Path policy) {
    return new Cli()
        .run(
            "reset",
            db.url(),
            "--policy",
            policy.toString(),
            "--backup",
            dir.resolve("backup-" + policy.getFileName() + ".sql").toString(),
            "--confirm",
            db.name());
  }

  @Test
  void anEmptyResetListResetsNothing() throws Exception {
    Map<String, List<String>> before = db.snapshot();
    Path f = file("empty-reset.yaml", "reset: []\n");

    Cli.Result r = new Cli().run("plan", db.url(), "--policy", f.toString(), "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode plan = JSON.readTree(r.out());
    assertThat(tablesWith(plan, "reset")).isEmpty();
    assertThat(tablesWith(plan, "keep")).hasSize(10);
    assertThat(plan.get("warnings").toString()).contains("NOTHING_TO_RESET");
    assertThat(plan.get("tables").get(0).get("reason").asText())
        .isEqualTo("not listed in reset: of " + f);

    Cli.Result text = new Cli().run("plan", db.url(), "--policy", f.toString());
    assertThat(text.out())
        .contains("Policy:  reset no table (policy file " + f + ")")
        .contains("Reset 0 tables with 0 rows; keep 10 tables.");

    reset(f);
    assertThat(db.snapshot()).as("nothing was reset").isEqualTo(before);
  }

  @Test
  void anEmptyResetListBesideKeepIsAStalePolicyNotEverythingElse() throws Exception {
    Map<String, List<String>> before = db.snapshot();
    Path f = file("keep-and-empty-reset.yaml", "keep: [users, api_keys]\nreset: []\n");

    Cli.Result r = new Cli().run("plan", db.url(), "--policy", f.toString(), "--json");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    JsonNode plan = JSON.readTree(r.out());
    assertThat(tablesWith(plan, "reset")).isEmpty();
    assertThat(tablesWith(plan, "unclassified")).hasSize(8);
    assertThat(plan.get("hazards").get(0).get("message").asText())
        .isEqualTo(
            "public.audit_log is listed in neither keep: nor reset: of "
                + f
                + " (is the policy stale? a new table?).");
    assertThat(plan.get("hazards").get(0).get("remedy").asText())
        .isEqualTo("Add public.audit_log to keep: or reset: in " + f + ".");

    Cli.Result reset = reset(f);
    assertThat(reset.exitCode()).as(reset.toString()).isEqualTo(3);
    assertThat(db.snapshot()).isEqualTo(before);
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of(
            "a second keep further down",
            "keep: [users]\nreset: [projects]\n# ...\nkeep: [api_keys]\n",
            4,
            "'keep' is given a second time (first at line 1): give each key once"),
        Arguments.of(
            "a second reset further down",
            "keep:\n  - users\nreset:\n  - projects\nreset:\n  - users\n",
            5,
            "'reset' is given a second time (first at line 3): give each key once"),
        Arguments.of(
            "schema and schemas",
            "schema: public\nschemas: [app]\nkeep: [users]\n",
            2,
            "'schemas' is given a second time (first at line 1, as 'schema'): give each key once"),
        Arguments.of(
            "an unknown key",
            "keep: [users]\nresets: [projects]\n",
            2,
            "unknown key 'resets': use schema, keep, reset"),
        Arguments.of(
            "an anchor",
            "keep: &k [users]\nreset: *k\n",
            1,
            "a YAML anchor (&k): aliases and anchors are not allowed in a policy file; write the"
                + " names out"),
        Arguments.of(
            "an alias to a name",
            "keep:\n  - users\nreset:\n  - *users\n",
            4,
            "a YAML alias (*users): aliases and anchors are not allowed in a policy file; write"
                + " the names out"),
        Arguments.of(
            "a number where a name is expected",
            "keep: 5\n",
            1,
            "'keep' has 5, which YAML reads as a number, not a name: quote it ('5') if it is one"),
        Arguments.of(
            "a boolean in a list",
            "keep: [users, yes]\n",
            1,
            "'keep' has yes, which YAML reads as a boolean, not a name: quote it ('yes') if it is"
                + " one"),
        Arguments.of(
            "a nested list",
            "keep:\n  - users\n  - [api_keys]\n",
            3,
            "item 2 of 'keep' is a nested list: list names only"),
        Arguments.of(
            "a null entry",
            "keep: [users, ~]\n",
            1,
            "item 2 of 'keep' is empty: remove it or name a table"),
        Arguments.of(
            "an empty item",
            "reset:\n  - projects\n  -\n  - tags\n",
            3,
            "item 2 of 'reset' is empty: remove it or name a table"),
        Arguments.of(
            "a key without a value",
            "keep: [users]\nreset:\n",
            2,
            "'reset' has no value: list the names (reset: [a, b]), or write reset: [] for none"),
        Arguments.of(
            "a mapping as the value",
            "keep:\n  users: yes\n",
            2,
            "'keep' must be a list of names, not a mapping"),
        Arguments.of(
            "a mapping as an item",
            "keep:\n  - users: api_keys\n",
            2,
            "item 1 of 'keep' is a mapping (a stray ':'?): list names only, quoted if they hold"
                + " ': '"),
        Arguments.of(
            "a tab",
            "keep:\n\t- users\n",
            2,
            "a tab character: indent with spaces (YAML does not allow tabs there)"),
        Arguments.of(
            "two documents",
            "keep: [users]\n---\nreset: [users]\n",
            2,
            "a second YAML document: a policy file holds one (remove the '---' line and what"
                + " follows, or merge it into the first)"),
        Arguments.of(
            "a tag",
            "keep: [!!str users]\n",
            1,
            "YAML tags (tag:yaml.org,2002:str) are not allowed in a policy file"),
        Arguments.of(
            "a list at the top",
            "- keep: [users]\n",
            1,
            "the file must be a mapping with the keys schema, keep, reset"),
        Arguments.of(
            "a blank string",
            "keep: ''\n",
            1,
            "'keep' is a blank string: write keep: [] for no table"),
        Arguments.of(
            "broken YAML",
            "keep: [users\nreset: [projects]\n",
            2,
            "not valid YAML: expected ',' or ']'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void aMalformedPolicyIsAUsageErrorWithItsLineAndChangesNothing(
      String what, String yaml, int line, String message) throws Exception {
    Map<String, List<String>> before = db.snapshot();
    Path f = file("bad.yaml", yaml);

    Cli.Result r = new Cli().run("plan", db.url(), "--policy", f.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.out()).as("no plan is shown").isEmpty();
    assertThat(r.err()).contains("Policy file " + f + ", line " + line + ": " + message);

    Cli.Result reset = reset(f);
    assertThat(reset.exitCode()).as(reset.toString()).isEqualTo(2);
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void theWhyColumnSaysTheNamesCameFromTheFile() throws Exception {
    Path f =
        file(
            "policy.yaml",
            "keep: [users]\nreset:\n"
                + OTHERS.stream().map(t -> "  - " + t + "\n").reduce("", String::concat));
    Cli.Result r = new Cli().run("plan", db.url(), "--policy", f.toString(), "--keep", "api_keys");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .containsPattern("reset +public\\.projects .* listed in reset: of " + f + "\n")
        .containsPattern("keep +public\\.users .* listed in keep: of " + f + "\n")
        .containsPattern("keep +public\\.api_keys .* named in --keep\n")
        .doesNotContain("named in --reset")
        .contains("Reset 8 tables with 24 rows; keep 2 tables.");

    Path clash = file("clash.yaml", "keep: [users]\nreset: [users, projects]\n");
    Cli.Result both = new Cli().run("plan", db.url(), "--policy", clash.toString());
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.err())
        .contains(
            "public.users is listed in both keep: and reset: of "
                + clash
                + ": list it in one only.");
    Cli.Result mixed =
        new Cli().run("plan", db.url(), "--policy", clash.toString(), "--keep", "projects");
    assertThat(mixed.err())
        .contains(
            "public.projects is named in --keep and listed in reset: of "
                + clash
                + ": name it in one list only.");
    Cli.Result options = new Cli().run("plan", db.url(), "--keep", "users", "--reset", "users");
    assertThat(options.err())
        .contains("public.users is named in both --keep and --reset: name it in one list only.");

    Path typo = file("typo.yaml", "keep: [usres]\n");
    Cli.Result t = new Cli().run("plan", db.url(), "--policy", typo.toString());
    assertThat(t.exitCode()).isEqualTo(2);
    assertThat(t.err())
        .contains("keep: usres in " + typo + " names no table in scope: did you mean users?");
  }

  @Test
  void oneKeptTableIsOneTable() throws Exception {
    Cli.Result r = new Cli().run("plan", db.url(), "--reset", "projects");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Reset 1 table with 3 rows; keep 9 tables.");
    Cli.Result k =
        new Cli()
            .run("plan", db.url(), "--keep", String.join(",", concat(List.of("users"), OTHERS)));
    assertThat(k.out()).contains("Reset 1 table with 3 rows; keep 9 tables.");
    Cli.Result one =
        new Cli()
            .run(
                "plan",
                db.url(),
                "--keep",
                "users",
                "--reset",
                String.join(",", concat(List.of("api_keys"), OTHERS)));
    assertThat(one.out()).contains("Reset 9 tables with 27 rows; keep 1 table.");
  }
}

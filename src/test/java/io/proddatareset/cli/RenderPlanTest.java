package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.FakeRenderApi;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed's Step 1 as a user runs it: {@code plan --render-postgres NAME} finds the database
 * through (a local stand-in for) the Render API and plans against it, never showing the API key or
 * the database password.
 */
class RenderPlanTest {
  static final String KEY = "rnd_PlanKey5e1f0aa9c3b74d2e";
  static final String PASSWORD = "Pm-Db-Passw0rd-31c9";
  static final ObjectMapper JSON = new ObjectMapper();

  static TestDatabase pm;
  static FakeRenderApi api;

  @BeforeAll
  static void setUp() {
    pm = TestPostgres.freshDatabase().loadPmAgent(1);
    // the superuser logs in by trust here; the password still travels through the lookup
    String local = "postgres://postgres:" + PASSWORD + "@localhost:" + pm.port() + "/" + pm.name();
    api = new FakeRenderApi(KEY);
    api.add("dpg-other1-a", "pm-db-staging", "Staging-Pw-0042")
        .add(
            new FakeRenderApi.Instance("dpg-pm1-a", "pm-db", local, local, PASSWORD)
                .withRecovery("AVAILABLE"))
        // Render lists a read replica under the primary's name unless asked not to
        .add(
            new FakeRenderApi.Instance("dpg-pm1-replica-a", "pm-db", local, local, PASSWORD)
                .withRole("replica"))
        .add(
            "dpg-sleepy1-a",
            "sleepy-db",
            "Sleepy-Pw-0077",
            i -> i.withStatus("suspended", "suspended"));
  }

  @AfterAll
  static void tearDown() {
    api.close();
  }

  private static Cli cli() {
    return new Cli()
        .env("RENDER_API_KEY", KEY)
        .env("RENDER_API_URL", api.baseUrl())
        // --render-postgres wins over DATABASE_URL
        .env("DATABASE_URL", "postgres://nobody@localhost:1/elsewhere?sslmode=disable");
  }

  private static void assertNoSecret(Cli.Result r) {
    assertThat(r.out() + r.err()).doesNotContain(KEY).doesNotContain(PASSWORD);
  }

  @Test
  void planFindsTheDatabaseThroughRenderAndPlansTheSameAsWithTheUrl() throws Exception {
    Cli.Result viaRender =
        cli().run("plan", "--render-postgres", "pm-db", "--keep", "users,api_keys", "--json");
    Cli.Result viaUrl = new Cli().run("plan", pm.url(), "--keep", "users,api_keys", "--json");

    assertThat(viaRender.exitCode()).as(viaRender.toString()).isZero();
    assertThat(viaUrl.exitCode()).as(viaUrl.toString()).isZero();
    assertNoSecret(viaRender);
    assertThat(viaRender.err())
        .contains(
            "Using Render Postgres 'pm-db' (dpg-pm1-a): postgresql://postgres@localhost:"
                + pm.port()
                + "/"
                + pm.name());
    JsonNode a = JSON.readTree(viaRender.out());
    JsonNode b = JSON.readTree(viaUrl.out());
    assertThat(a.get("tables")).hasSizeGreaterThanOrEqualTo(13).isEqualTo(b.get("tables"));
    assertThat(a.toString()).contains(pm.name());
  }

  static final String SHOWN =
      "Render Postgres 'pm-db' (dpg-pm1-a)\n"
          + "  region oregon, plan basic_256mb\n"
          + "  dashboard https://dashboard.render.com/d/dpg-pm1-a\n"
          + "  point-in-time recovery: AVAILABLE (from 2026-11-24T13:00:00Z)\n";

  @Test
  void thePlanShowsWhichInstanceWasFoundAndItsRecoveryStatus() throws Exception {
    Cli.Result text = cli().run("plan", "--render-postgres", "pm-db", "--keep", "users,api_keys");
    assertThat(text.exitCode()).as(text.toString()).isZero();
    assertThat(text.out()).startsWith(SHOWN + "\nPlan for postgresql://postgres@localhost:");
    assertNoSecret(text);

    Cli.Result json =
        cli().run("plan", "--render-postgres", "pm-db", "--keep", "users,api_keys", "--json");
    assertThat(json.exitCode()).as(json.toString()).isZero();
    JsonNode render = JSON.readTree(json.out()).get("render");
    assertThat(render.get("name").asText()).isEqualTo("pm-db");
    assertThat(render.get("id").asText()).isEqualTo("dpg-pm1-a");
    assertThat(render.get("region").asText()).isEqualTo("oregon");
    assertThat(render.get("plan").asText()).isEqualTo("basic_256mb");
    assertThat(render.get("dashboardUrl").asText())
        .isEqualTo("https://dashboard.render.com/d/dpg-pm1-a");
    assertThat(render.at("/pointInTimeRecovery/status").asText()).isEqualTo("AVAILABLE");
    // a plan from a URL has no Render part
    Cli.Result viaUrl = new Cli().run("plan", pm.url(), "--keep", "users,api_keys", "--json");
    assertThat(JSON.readTree(viaUrl.out()).has("render")).isFalse();
  }

  @Test
  void theResetShowsTheInstanceRightBeforeTheConfirmation() throws Exception {
    Path dir = Files.createTempDirectory("render-reset");
    Cli.Result r =
        cli()
            .env("XDG_STATE_HOME", dir.resolve("state").toString())
            .run(
                "reset",
                "--render-postgres",
                "pm-db",
                "--keep",
                "users,api_keys",
                "--backup",
                dir.resolve("b.sql").toString(),
                "--confirm",
                "not-" + pm.name());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(5);
    assertThat(r.out()).startsWith(SHOWN + "\nPlan for ");
    // on stderr after the announcement, the last thing before the answer to the confirmation
    assertThat(r.err()).contains(SHOWN + "\nerror: Cancelled: --confirm names 'not-");
    assertThat(r.err().indexOf(SHOWN)).isGreaterThan(r.err().indexOf("About to reset"));
    assertNoSecret(r);
    // the audit log records Render's recovery status beside the (cancelled) run
    String audit;
    try (var files = Files.walk(dir.resolve("state"))) {
      audit =
          files
              .filter(Files::isRegularFile)
              .map(
                  f -> {
                    try {
                      return Files.readString(f);
                    } catch (java.io.IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  })
              .reduce("", String::concat);
    }
    assertThat(audit).contains("\"renderRecovery\":\"AVAILABLE (from 2026-11-24T13:00:00Z)\"");
  }

  @Test
  void aRateLimitIsWaitedOutAsRatelimitResetAsks() {
    api.limitNext(1, "1");
    long start = System.nanoTime();
    Cli.Result r = cli().run("plan", "--render-postgres", "pm-db", "--keep", "users,api_keys");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.exitCode()).as(r.toString()).isZero();
    // a wait of a second (plus jitter), never the whole budget
    assertThat(ms).isBetween(1000L, 15000L);
  }

  @Test
  void aSuspendedInstanceIsRefusedWithItsStatus() {
    Cli.Result r = cli().run("plan", "--render-postgres", "sleepy-db");
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err())
        .startsWith("error: Render Postgres 'sleepy-db' (dpg-sleepy1-a) is suspended: resume it");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void renderOwnerNarrowsTheLookup() {
    Cli.Result r =
        cli()
            .run(
                "plan",
                "--render-postgres",
                "pm-db",
                "--render-owner",
                "tea-elsewhere",
                "--keep",
                "users,api_keys");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err())
        .contains("No Render Postgres instance named 'pm-db': there is no Postgres instance at all")
        .contains("in workspace tea-elsewhere; is the --render-owner id right?");
    assertThat(api.requests()).anyMatch(q -> q.contains("ownerId=tea-elsewhere"));
    Cli.Result alone = cli().env("DATABASE_URL", pm.url()).run("plan", "--render-owner", "tea-x");
    assertThat(alone.exitCode()).isEqualTo(2);
    assertThat(alone.err()).contains("--render-owner goes with --render-postgres NAME.");
  }

  @Test
  void theSeedsDryRunFormTakesRenderToo() {
    Cli.Result r = cli().run("--render-postgres", "dpg-pm1-a", "--keep", "users,api_keys");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .startsWith(SHOWN)
        .contains("Plan for postgresql://postgres@localhost:" + pm.port());
    assertNoSecret(r);
  }

  @Test
  void anUnknownNameListsTheNamesAndExitsOne() {
    Cli.Result r = cli().run("plan", "--render-postgres", "pm");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "error: No Render Postgres instance named 'pm'; the instances there are: 'pm-db',"
                + " 'pm-db-staging', 'sleepy-db'."
                + System.lineSeparator());
    assertThat(r.out()).isEmpty();
  }

  @Test
  void aRejectedKeyNeverShowsEvenVerbose() {
    String wrong = "rnd_NotTheRightKey77aa00";
    Cli.Result r =
        cli().env("RENDER_API_KEY", wrong).run("plan", "--render-postgres", "pm-db", "--verbose");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: The Render API rejected RENDER_API_KEY (HTTP 401");
    assertThat(r.out() + r.err()).doesNotContain(wrong).doesNotContain("NotTheRightKey");
  }

  @Test
  void renderAndAUrlTogetherAreAUsageError() {
    Cli.Result r = cli().run("plan", "--render-postgres", "pm-db", pm.url());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("either --render-postgres or a URL");
  }
}

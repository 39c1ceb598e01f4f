package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.FakeRenderApi;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
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
        .add(new FakeRenderApi.Instance("dpg-pm1-a", "pm-db", local, local, PASSWORD));
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

  @Test
  void theSeedsDryRunFormTakesRenderToo() {
    Cli.Result r = cli().run("--render-postgres", "dpg-pm1-a", "--keep", "users,api_keys");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Plan for postgresql://postgres@localhost:" + pm.port());
    assertNoSecret(r);
  }

  @Test
  void anUnknownNameListsTheNamesAndExitsOne() {
    Cli.Result r = cli().run("plan", "--render-postgres", "pm");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "error: No Render Postgres instance named 'pm'; the instances there are: 'pm-db',"
                + " 'pm-db-staging'."
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

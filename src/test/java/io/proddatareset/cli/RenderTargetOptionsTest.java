package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import io.proddatareset.testing.FakeRenderApi;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code --render-postgres} as the commands see it: parsed by picocli, resolved through a local
 * stand-in for the Render API, connected to a real database.
 */
class RenderTargetOptionsTest {
  static final String KEY = "rnd_OptionsKeyAbCdEf0123456789";
  static TestDatabase db;
  static FakeRenderApi api;

  @BeforeAll
  static void setUp() {
    db = TestPostgres.freshDatabase();
    String encoded = URLEncoder.encode(TestPostgres.PASSWORD, StandardCharsets.UTF_8);
    String local =
        "postgres://"
            + TestPostgres.PASSWORD_ROLE
            + ":"
            + encoded
            + "@localhost:"
            + db.port()
            + "/"
            + db.name();
    api = new FakeRenderApi(KEY);
    api.add(
            new FakeRenderApi.Instance(
                "dpg-local1-a", "pm-db", local, local, TestPostgres.PASSWORD))
        .add("dpg-remote1-a", "remote-db", "Remote-Pw-77aa11");
  }

  @AfterAll
  static void tearDown() {
    api.close();
  }

  @Command(name = "probe")
  static class Probe {
    @Mixin TargetOptions target;

    @Parameters(arity = "0..1")
    String url;
  }

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private Io io(Map<String, String> env) {
    return new Io(
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        new BufferedReader(new StringReader("")),
        env,
        false);
  }

  private static Map<String, String> renderEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", System.getProperty("java.io.tmpdir"));
    env.put("RENDER_API_KEY", KEY);
    env.put("RENDER_API_URL", api.baseUrl());
    return env;
  }

  private ConnectionTarget resolve(Map<String, String> env, String... args) {
    Probe p = new Probe();
    new CommandLine(p).parseArgs(args);
    return p.target.resolve(p.url, io(env));
  }

  private ExitException failure(Map<String, String> env, String... args) {
    Throwable t = catchThrowable(() -> resolve(env, args));
    assertThat(t).isInstanceOf(ExitException.class);
    assertThat(t.getMessage()).doesNotContain(KEY).doesNotContain(TestPostgres.PASSWORD);
    return (ExitException) t;
  }

  @Test
  void connectsToTheDatabaseRenderNamesAndWinsOverDatabaseUrl() throws Exception {
    Map<String, String> env = renderEnv();
    env.put("DATABASE_URL", "postgres://nobody@localhost:1/elsewhere?sslmode=disable");

    ConnectionTarget target = resolve(env, "--render-postgres", "pm-db");

    try (Connection c = new Connector(target).open();
        ResultSet rs =
            c.createStatement().executeQuery("SELECT current_user, current_database()")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(TestPostgres.PASSWORD_ROLE);
      assertThat(rs.getString(2)).isEqualTo(db.name());
    }
    String shown = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "Using Render Postgres 'pm-db' (dpg-local1-a): postgresql://"
                + TestPostgres.PASSWORD_ROLE
                + "@localhost:"
                + db.port()
                + "/"
                + db.name()
                + System.lineSeparator());
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(shown)
        .doesNotContain(KEY)
        .doesNotContain(TestPostgres.PASSWORD)
        .doesNotContain(URLEncoder.encode(TestPostgres.PASSWORD, StandardCharsets.UTF_8));
    assertThat(target.toString()).doesNotContain(TestPostgres.PASSWORD);
  }

  @Test
  void theIdWorksAsWellAsTheName() {
    ConnectionTarget target = resolve(renderEnv(), "--render-postgres", "dpg-local1-a");
    assertThat(target.database()).isEqualTo(db.name());
  }

  @Test
  void renderTargetsRequireTlsAndCannotBeWeakened() {
    ConnectionTarget remote = resolve(renderEnv(), "--render-postgres", "remote-db");
    assertThat(remote.sslMode()).isEqualTo("require");
    assertThat(
            resolve(renderEnv(), "--render-postgres", "remote-db", "--sslmode", "verify-full")
                .sslMode())
        .isEqualTo("verify-full");

    ExitException e =
        failure(renderEnv(), "--render-postgres", "remote-db", "--sslmode", "disable");
    assertThat(e.status()).isEqualTo(ExitStatus.USAGE);
    assertThat(e.getMessage()).contains("sslmode=disable is not allowed");

    ConnectionTarget internal =
        resolve(renderEnv(), "--render-postgres", "remote-db", "--render-internal");
    assertThat(internal.host()).isEqualTo("dpg-remote1-a");
    assertThat(internal.sslMode()).isEqualTo("require");
  }

  @Test
  void renderAndAUrlConflict() {
    ExitException withUrl = failure(renderEnv(), "--render-postgres", "pm-db", "--url", db.url());
    assertThat(withUrl.status()).isEqualTo(ExitStatus.USAGE);
    assertThat(withUrl.getMessage())
        .isEqualTo(
            "Give the database once: either --render-postgres or a URL (--url or positional),"
                + " not both.");
    ExitException withPositional = failure(renderEnv(), "--render-postgres", "pm-db", db.url());
    assertThat(withPositional.status()).isEqualTo(ExitStatus.USAGE);
  }

  @Test
  void internalNeedsRenderPostgres() {
    ExitException e = failure(renderEnv(), "--render-internal", db.url());
    assertThat(e.status()).isEqualTo(ExitStatus.USAGE);
    assertThat(e.getMessage()).isEqualTo("--render-internal goes with --render-postgres NAME.");
  }

  @Test
  void noKeyIsAUsageErrorNamingTheVariable() {
    Map<String, String> env = renderEnv();
    env.remove("RENDER_API_KEY");
    ExitException e = failure(env, "--render-postgres", "pm-db");
    assertThat(e.status()).isEqualTo(ExitStatus.USAGE);
    assertThat(e.getMessage()).contains("set RENDER_API_KEY");
  }

  @Test
  void aWrongKeyNeverShowsUp() {
    Map<String, String> env = renderEnv();
    env.put("RENDER_API_KEY", "rnd_SomebodyElsesKey4242");
    ExitException e = failure(env, "--render-postgres", "pm-db");
    assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
    assertThat(e.getMessage())
        .contains("rejected RENDER_API_KEY")
        .doesNotContain("rnd_SomebodyElsesKey4242");
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void withoutRenderTheUrlStillComesFromDatabaseUrl() {
    Map<String, String> env = renderEnv();
    env.put("DATABASE_URL", db.url());
    int before = api.requests().size();
    assertThat(resolve(env).database()).isEqualTo(db.name());
    // no Render lookup without --render-postgres, even with a key in the environment
    assertThat(api.requests()).hasSize(before);
  }
}

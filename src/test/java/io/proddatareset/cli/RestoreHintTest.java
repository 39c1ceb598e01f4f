package io.proddatareset.cli;

import static io.proddatareset.testing.RecordingLauncher.cli;
import static io.proddatareset.testing.RecordingLauncher.runAsTheTool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.proddatareset.Program;
import io.proddatareset.audit.AgentConsent;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.FakeRenderApi;
import io.proddatareset.testing.RecordingLauncher;
import io.proddatareset.testing.RecordingLauncher.Called;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands a reset prints to put the data back are run as printed: a real shell reads each line
 * (quoting and all), a stand-in for the launcher records the words and the consent variable it got,
 * and those words run the real CLI against the real database, in agent mode and without.
 */
@Tag("single-version")
class RestoreHintTest {
  static final Path POLICY = Path.of("examples/pm-agent.policy.yaml").toAbsolutePath();
  // an apostrophe and a dollar sign: the words must reach the tool as the user wrote them
  static final String USER_WORDS = "Yes, put the PM data back into it; I've read the $0 preview";
  static final String RESET_WORDS = "Yes, reset the PM test data in this database, I saw the plan";

  @TempDir Path dir;
  RecordingLauncher launcher;

  @BeforeEach
  void recordingLauncher() throws IOException {
    // a launcher path a shell must be given quoted: a space and a single quote
    launcher = RecordingLauncher.in(dir);
  }

  Called throughShell(String line) throws Exception {
    return launcher.throughShell(line);
  }

  /** The base environment of the user's (or the agent's) shell, the same for every command. */
  Map<String, String> shellEnv(boolean agent) {
    Map<String, String> env = new HashMap<>();
    env.put("XDG_STATE_HOME", dir.resolve("state").toString());
    env.put(Program.LAUNCHER_VARIABLE, launcher.path().toString());
    if (agent) {
      env.put("CLAUDECODE", "1");
    }
    return env;
  }

  /** The lines under "To put the data back", without their indentation. */
  static List<String> hint(Cli.Result reset) {
    return RecordingLauncher.linesUnder(reset.out(), "To put the data back");
  }

  Cli.Result reset(Map<String, String> env, boolean agent, Path backup, String... target) {
    Map<String, String> resetEnv = new HashMap<>(env);
    if (agent) {
      resetEnv.put(AgentConsent.VARIABLE, RESET_WORDS);
    }
    List<String> args = new ArrayList<>(List.of("reset"));
    args.addAll(List.of(target));
    args.addAll(List.of("--policy", POLICY.toString(), "--backup", backup.toString()));
    args.addAll(List.of("--confirm", db.name()));
    Cli.Result r = cli(resetEnv).run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return r;
  }

  TestDatabase db;
  Map<String, List<String>> before;

  void pmAgent() {
    db = TestPostgres.freshDatabase("hint").loadPmAgent(2);
    before = db.snapshot();
  }

  String quotedLauncher() {
    return launcher.quoted();
  }

  @Test
  void withUrlTheRestoreLineRestoresAsPrinted() throws Exception {
    pmAgent();
    Map<String, String> env = shellEnv(false);
    Path backup = dir.resolve("pm.sql.gz");
    Cli.Result r = reset(env, false, backup, "--url", db.url());

    String url =
        "postgresql://postgres@localhost:" + db.port() + "/" + db.name() + "?sslmode=disable";
    assertThat(r.out())
        .contains("To put the data back, preview the restore, then run it:\n")
        .doesNotContain(AgentConsent.VARIABLE);
    assertThat(hint(r))
        .containsExactly(
            quotedLauncher() + " restore --dry-run " + backup + " --url '" + url + "'",
            quotedLauncher()
                + " restore "
                + backup
                + " --url '"
                + url
                + "' --confirm "
                + db.name());

    Called called = throughShell(hint(r).get(1));
    assertThat(called.consent()).isNull();
    assertThat(called.args())
        .containsExactly("restore", backup.toString(), "--url", url, "--confirm", db.name());
    Cli.Result restore = runAsTheTool(called, env);
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void inAgentModeTheRestoreLineNeedsTheUsersWordsInPlaceOfThePlaceholder() throws Exception {
    pmAgent();
    Map<String, String> env = shellEnv(true);
    Path backup = dir.resolve("pm.sql");
    Cli.Result r = reset(env, true, backup, "--url", db.url());

    List<String> hint = hint(r);
    assertThat(r.out())
        .contains(
            "To put the data back: run the preview, show it to the user, and restore only when"
                + " they approve, with their own words in PDR_USER_CONSENT:\n");
    assertThat(hint.get(0))
        .startsWith(quotedLauncher() + " restore --dry-run " + backup + " --url");
    String placeholder = "'" + RestoreHint.CONSENT_PLACEHOLDER + "'";
    assertThat(hint.get(1)).startsWith("PDR_USER_CONSENT=" + placeholder + " " + quotedLauncher());

    // as printed, the placeholder is refused, and nothing is loaded
    Called asPrinted = throughShell(hint.get(1));
    assertThat(asPrinted.consent()).isEqualTo(RestoreHint.CONSENT_PLACEHOLDER);
    Cli.Result refused = runAsTheTool(asPrinted, env);
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(3);
    assertThat(refused.err()).contains("it holds the template text <the words in which");
    assertThat(db.queryLong("SELECT count(*) FROM projects")).isZero();

    // the agent puts the user's words in place of the placeholder, quoted for the shell
    String line = hint.get(1).replace(placeholder, Program.quote(USER_WORDS));
    Called withWords = throughShell(line);
    assertThat(withWords.consent()).isEqualTo(USER_WORDS);
    Cli.Result restore = runAsTheTool(withWords, env);
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void withDatabaseUrlTheLinesNameNoTargetAndRestoreInBothModes() throws Exception {
    for (boolean agent : List.of(false, true)) {
      pmAgent();
      Map<String, String> env = shellEnv(agent);
      env.put("DATABASE_URL", db.url());
      Path backup = dir.resolve("pm-" + agent + ".sql.gz");
      Cli.Result r = reset(env, agent, backup);

      List<String> hint = hint(r);
      String consent = agent ? "PDR_USER_CONSENT='" + RestoreHint.CONSENT_PLACEHOLDER + "' " : "";
      assertThat(hint)
          .containsExactly(
              quotedLauncher() + " restore --dry-run " + backup,
              consent + quotedLauncher() + " restore " + backup + " --confirm " + db.name());

      String line =
          hint.get(1)
              .replace("'" + RestoreHint.CONSENT_PLACEHOLDER + "'", Program.quote(USER_WORDS));
      Cli.Result restore = runAsTheTool(throughShell(line), env);
      assertThat(restore.exitCode()).as("agent %s: %s", agent, restore).isZero();
      assertThat(db.snapshot()).isEqualTo(before);
    }
  }

  @Test
  void anSslModeOptionIsRepeatedWithDatabaseUrl() throws Exception {
    pmAgent();
    Map<String, String> env = shellEnv(false);
    // no sslmode in the URL: the option sets it
    env.put("DATABASE_URL", "postgres://postgres@localhost:" + db.port() + "/" + db.name());
    Path backup = dir.resolve("pm.sql");
    Cli.Result r = reset(env, false, backup, "--sslmode", "disable");

    assertThat(hint(r).get(1))
        .isEqualTo(
            quotedLauncher() + " restore " + backup + " --sslmode disable --confirm " + db.name());
    Cli.Result restore = runAsTheTool(throughShell(hint(r).get(1)), env);
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
  }

  /** The tables owned by the password role, so that it can reset and restore them. */
  void ownedByThePasswordRole() {
    for (String table :
        db.queryStrings(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'")) {
      db.exec("ALTER TABLE public." + table + " OWNER TO " + TestPostgres.PASSWORD_ROLE);
    }
  }

  @Test
  void aPasswordInTheUrlIsNeverPrintedAndTheNoteSaysWhereItComesFrom() throws Exception {
    pmAgent();
    ownedByThePasswordRole();
    Map<String, String> env = shellEnv(true);
    Path backup = dir.resolve("pm.sql.gz");
    Cli.Result r = reset(env, true, backup, "--url", db.passwordUrl());

    String encoded = URLEncoder.encode(TestPostgres.PASSWORD, StandardCharsets.UTF_8);
    assertThat(r.out() + r.err())
        .doesNotContain(TestPostgres.PASSWORD)
        .doesNotContain(encoded)
        .doesNotContain(encoded.replace("+", "%20"));
    String url =
        "postgresql://"
            + TestPostgres.PASSWORD_ROLE
            + "@localhost:"
            + db.port()
            + "/"
            + db.name()
            + "?sslmode=disable";
    assertThat(hint(r))
        .hasSize(3)
        .element(2)
        .isEqualTo(
            "(the password of the URL is left out: supply it through PGPASSWORD or ~/.pgpass)");
    Called called =
        throughShell(
            hint(r)
                .get(1)
                .replace("'" + RestoreHint.CONSENT_PLACEHOLDER + "'", Program.quote(USER_WORDS)));
    assertThat(called.args())
        .containsExactly("restore", backup.toString(), "--url", url, "--confirm", db.name());

    // without the password it cannot connect; with PGPASSWORD, as the note says, it restores
    Cli.Result noPassword = runAsTheTool(called, env);
    assertThat(noPassword.exitCode()).as(noPassword.toString()).isNotZero();
    env.put("PGPASSWORD", TestPostgres.PASSWORD);
    Cli.Result restore = runAsTheTool(called, env);
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void aRenderLookupIsRepeatedAsTheSameLookup() throws Exception {
    pmAgent();
    ownedByThePasswordRole();
    String key = "rnd_HintKeyAbCdEf0123456789";
    String local =
        "postgres://"
            + TestPostgres.PASSWORD_ROLE
            + ":"
            + URLEncoder.encode(TestPostgres.PASSWORD, StandardCharsets.UTF_8)
            + "@localhost:"
            + db.port()
            + "/"
            + db.name();
    try (FakeRenderApi api = new FakeRenderApi(key)) {
      api.add(new FakeRenderApi.Instance("dpg-hint1-a", "pm-db", local, local, "unused"));
      Map<String, String> env = shellEnv(true);
      env.put("RENDER_API_KEY", key);
      env.put("RENDER_API_URL", api.baseUrl());
      Path backup = dir.resolve("pm.sql.gz");
      Cli.Result r = reset(env, true, backup, "--render-postgres", "pm-db");

      assertThat(r.out() + r.err()).doesNotContain(key).doesNotContain(TestPostgres.PASSWORD);
      assertThat(hint(r))
          .containsExactly(
              quotedLauncher() + " restore --dry-run " + backup + " --render-postgres pm-db",
              "PDR_USER_CONSENT='"
                  + RestoreHint.CONSENT_PLACEHOLDER
                  + "' "
                  + quotedLauncher()
                  + " restore "
                  + backup
                  + " --render-postgres pm-db --confirm "
                  + db.name());
      String line =
          hint(r)
              .get(1)
              .replace("'" + RestoreHint.CONSENT_PLACEHOLDER + "'", Program.quote(USER_WORDS));
      Cli.Result restore = runAsTheTool(throughShell(line), env);
      assertThat(restore.exitCode()).as(restore.toString()).isZero();
      assertThat(db.snapshot()).isEqualTo(before);
    }
  }

  @Test
  void withoutALauncherTheProgramIsItsName() {
    pmAgent();
    Map<String, String> env = shellEnv(false);
    env.remove(Program.LAUNCHER_VARIABLE);
    Path backup = dir.resolve("pm.sql");
    Cli.Result r = reset(env, false, backup, "--url", db.url());
    assertThat(hint(r)).allSatisfy(line -> assertThat(line).startsWith("prod-data-reset restore "));
  }

  @Test
  void thePreviewLineRunsAsPrintedAndChangesNothing() throws Exception {
    Cli.Result help = new Cli().run("restore", "--help");
    assumeTrue(help.out().contains("--dry-run"), "restore --dry-run is not in this build yet");
    pmAgent();
    Map<String, String> env = shellEnv(true);
    Path backup = dir.resolve("pm.sql.gz");
    Cli.Result r = reset(env, true, backup, "--url", db.url());
    Map<String, List<String>> emptied = db.snapshot();

    Called called = throughShell(hint(r).get(0));
    assertThat(called.consent()).isNull();
    Cli.Result preview = runAsTheTool(called, env);
    assertThat(preview.exitCode()).as(preview.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(emptied);
  }
}

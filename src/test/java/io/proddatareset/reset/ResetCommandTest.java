package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reset as a user runs it, on the PM Agent fixture with the seed's policy. */
class ResetCommandTest {
  static final Path POLICY = Path.of("examples/pm-agent.policy.yaml").toAbsolutePath();
  static final List<String> RESET_TABLES =
      List.of(
          "projects",
          "tags",
          "raw_notes",
          "epics",
          "entities",
          "entity_tags",
          "entity_relationships",
          "entity_sources",
          "entity_events",
          "review_queue");
  static final List<String> KEPT_TABLES = List.of("users", "api_keys", "schema_migrations");

  @TempDir Path dir;

  static TestDatabase pmAgent() {
    return TestPostgres.freshDatabase("reset").loadPmAgent(2);
  }

  Cli cli() {
    return new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString());
  }

  @Test
  void fullResetEmptiesExactlyTheTenTablesAndItsBackupRestoresTheStart() {
    TestDatabase db = pmAgent();
    Map<String, List<String>> before = db.snapshot();
    Map<String, String> sequencesBefore = db.sequences();
    Path backup = dir.resolve("pm.sql.gz");

    Cli.Result r =
        cli()
            .run(
                "reset",
                db.url(),
                "--policy",
                POLICY.toString(),
                "--backup",
                backup.toString(),
                "--confirm",
                db.name());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    Map<String, List<String>> after = db.snapshot();
    for (String t : RESET_TABLES) {
      assertThat(after.get("public." + t)).as(t).isEmpty();
    }
    for (String t : KEPT_TABLES) {
      assertThat(after.get("public." + t)).as(t).isEqualTo(before.get("public." + t)).isNotEmpty();
    }
    assertThat(r.out())
        .contains("Reset committed: 10 tables emptied")
        .contains("Verified: 10 reset tables empty, 3 kept tables unchanged")
        .contains("prod-data-reset restore " + backup);
    assertThat(backup).exists();
    assertThat(Path.of(backup + ".manifest.json")).exists();

    Cli.Result restore =
        cli().run("restore", backup.toString(), "--url", db.url(), "--confirm", db.name());
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.sequences()).isEqualTo(sequencesBefore);

    // the audit log has started + succeeded for the reset, with the backup's checksum
    List<String> audit = auditLines();
    assertThat(audit.stream().filter(l -> l.contains("\"command\":\"reset\"")).toList())
        .anySatisfy(l -> assertThat(l).contains("\"outcome\":\"started\""))
        .anySatisfy(
            l -> assertThat(l).contains("\"outcome\":\"succeeded\"").contains("\"sha256\""));
  }

  @Test
  void verifyWithTheResetManifestPassesAndWithoutItFailsWhenAResetTableHasRows() {
    TestDatabase db = pmAgent();
    Path backup = dir.resolve("pm.sql");
    assertThat(
            cli()
                .run(
                    "reset",
                    db.url(),
                    "--policy",
                    POLICY.toString(),
                    "--backup",
                    backup.toString(),
                    "--confirm",
                    db.name())
                .exitCode())
        .isZero();
    String manifest = backup + ".manifest.json";

    Cli.Result ok =
        cli().run("verify", db.url(), "--policy", POLICY.toString(), "--manifest", manifest);
    assertThat(ok.exitCode()).as(ok.toString()).isZero();

    // a kept table the app changed after the commit: changed since, not a failed reset
    db.exec("UPDATE users SET name = 'changed' WHERE email = 'user1@example.com'");
    Cli.Result keptChanged =
        cli().run("verify", db.url(), "--policy", POLICY.toString(), "--manifest", manifest);
    assertThat(keptChanged.exitCode()).as(keptChanged.toString()).isZero();
    assertThat(keptChanged.out()).contains("public.users").contains("changed since the reset");

    db.exec("INSERT INTO projects (owner_id, name) SELECT id, 'late' FROM users LIMIT 1");
    Cli.Result resetHasRows =
        cli().run("verify", db.url(), "--policy", POLICY.toString(), "--json");
    assertThat(resetHasRows.exitCode()).isEqualTo(4);
    assertThat(resetHasRows.out()).contains("\"ok\" : false").contains("public.projects");
    assertThat(resetHasRows.err()).contains("public.projects has 1 row; it should be empty");
  }

  @Test
  void refusalsChangeNothing() throws Exception {
    TestDatabase db = pmAgent();
    Map<String, List<String>> before = db.snapshot();
    String policy = POLICY.toString();

    // wrong --confirm: cancelled
    Cli.Result wrong =
        cli()
            .run(
                "reset",
                db.url(),
                "--policy",
                policy,
                "--backup",
                dir.resolve("a.sql").toString(),
                "--confirm",
                "not_the_db");
    assertThat(wrong.exitCode()).isEqualTo(5);
    assertThat(wrong.err()).contains("Cancelled");

    // no terminal and no --confirm: refused
    Cli.Result noTty =
        cli()
            .run(
                "reset", db.url(), "--policy", policy, "--backup", dir.resolve("b.sql").toString());
    assertThat(noTty.exitCode()).isEqualTo(3);
    assertThat(noTty.err()).contains("--confirm " + db.name());

    // interactive, the wrong name typed: cancelled
    Cli.Result typedWrong =
        cli()
            .stdin("production\n", true)
            .run(
                "reset", db.url(), "--policy", policy, "--backup", dir.resolve("c.sql").toString());
    assertThat(typedWrong.exitCode()).isEqualTo(5);
    assertThat(typedWrong.err()).contains("type the database name (" + db.name() + ")");

    // an AI agent without the user's consent
    Cli.Result agent =
        cli()
            .env("CLAUDECODE", "1")
            .run(
                "reset",
                db.url(),
                "--policy",
                policy,
                "--backup",
                dir.resolve("d.sql").toString(),
                "--confirm",
                db.name());
    assertThat(agent.exitCode()).isEqualTo(3);
    assertThat(agent.err()).contains("PDR_USER_CONSENT").contains("show the user");

    // a typo in --keep
    Cli.Result typo =
        cli()
            .run(
                "reset",
                db.url(),
                "--keep",
                "usres,api_keys",
                "--backup",
                dir.resolve("e.sql").toString(),
                "--confirm",
                db.name());
    assertThat(typo.exitCode()).isIn(2, 3);
    assertThat(typo.err()).contains("usres").contains("users");

    // the backup cannot be written: a full disk
    Cli.Result full =
        cli()
            .run(
                "reset",
                db.url(),
                "--policy",
                policy,
                "--backup",
                "/dev/full",
                "--confirm",
                db.name());
    assertThat(full.exitCode()).as(full.toString()).isEqualTo(1);
    assertThat(full.err())
        .containsIgnoringCase("no space left")
        .containsIgnoringCase("nothing was changed");

    // a --plan-id that is not this plan's
    Cli.Result planId =
        cli()
            .run(
                "reset",
                db.url(),
                "--policy",
                policy,
                "--backup",
                dir.resolve("f.sql").toString(),
                "--confirm",
                db.name(),
                "--plan-id",
                "0000000000");
    assertThat(planId.exitCode()).isEqualTo(3);

    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(Files.list(dir).filter(p -> p.toString().endsWith(".sql")).toList()).isEmpty();
  }

  @Test
  void agentWithTheUsersConsentMayResetAndTheConsentIsAudited() throws Exception {
    TestDatabase db = pmAgent();
    Cli.Result r =
        cli()
            .env("CLAUDECODE", "1")
            .env(
                "PDR_USER_CONSENT",
                "Yes, go ahead and wipe the test data in "
                    + db.name()
                    + ", I have reviewed the plan")
            .run(
                "reset",
                db.url(),
                "--policy",
                POLICY.toString(),
                "--backup",
                dir.resolve("g.sql.zst").toString(),
                "--confirm",
                db.name());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(auditLines()).anySatisfy(l -> assertThat(l).contains("I have reviewed the plan"));
  }

  @Test
  void keptTableReferencingAResetTableIsRefusedNamingTheColumn() {
    TestDatabase db = pmAgent();
    db.exec(
        "CREATE TABLE billing (id int PRIMARY KEY, project_id bigint REFERENCES projects(id))",
        "INSERT INTO billing SELECT 1, min(id) FROM projects");
    Map<String, List<String>> before = db.snapshot();
    Cli.Result r =
        cli()
            .run(
                "reset",
                db.url(),
                "--keep",
                "users,api_keys,billing",
                "--backup",
                dir.resolve("h.sql").toString(),
                "--confirm",
                db.name());
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.out() + r.err()).contains("billing").contains("project_id");
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void aLockHeldByAnotherSessionGivesUpWithinSecondsNamingIt() throws Exception {
    TestDatabase db = pmAgent();
    Map<String, List<String>> before = db.snapshot();
    try (Connection holder = db.connect()) {
      holder.setAutoCommit(false);
      int pid;
      try (Statement st = holder.createStatement()) {
        st.execute("SET application_name = 'busy-app'");
        st.execute("INSERT INTO tags (project_id, name) SELECT min(id), 'held' FROM projects");
        var rs = st.executeQuery("SELECT pg_backend_pid()");
        rs.next();
        pid = rs.getInt(1);
      }
      long start = System.nanoTime();
      Cli.Result r =
          cli()
              .run(
                  "reset",
                  db.url(),
                  "--policy",
                  POLICY.toString(),
                  "--backup",
                  dir.resolve("i.sql").toString(),
                  "--confirm",
                  db.name(),
                  "--lock-timeout",
                  "2s");
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err())
          .contains("pid " + pid)
          .contains("busy-app")
          .contains("Nothing was changed");
      assertThat(seconds).isLessThan(30);
      holder.rollback();
    }
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(dir.resolve("i.sql")).doesNotExist();
  }

  @Test
  void aPasswordInTheUrlNeverAppearsAnywhere() throws Exception {
    TestDatabase db = pmAgent();
    db.exec(
        "GRANT ALL ON ALL TABLES IN SCHEMA public TO " + TestPostgres.PASSWORD_ROLE,
        "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + TestPostgres.PASSWORD_ROLE);
    Path backup = dir.resolve("p.sql");
    Cli.Result r =
        cli()
            .run(
                "reset",
                db.passwordUrl(),
                "--policy",
                POLICY.toString(),
                "--backup",
                backup.toString(),
                "--confirm",
                db.name());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    String encoded =
        db.passwordUrl()
            .substring(db.passwordUrl().indexOf(':', 12) + 1, db.passwordUrl().indexOf('@', 20));
    for (String text :
        List.of(
            r.out(),
            r.err(),
            Files.readString(backup),
            Files.readString(Path.of(backup + ".manifest.json")),
            String.join("\n", auditLines()))) {
      assertThat(text).doesNotContain(TestPostgres.PASSWORD).doesNotContain(encoded);
    }
  }

  @Test
  void theSeedsFormRunsTheResetAndNoBackupNeedsAReason() throws Exception {
    TestDatabase db = pmAgent();
    Map<String, List<String>> before = db.snapshot();

    Cli.Result noReason =
        cli().run(db.url(), "--policy", POLICY.toString(), "--no-backup", "--confirm", db.name());
    assertThat(noReason.exitCode()).isEqualTo(2);
    assertThat(noReason.err()).contains("--i-have-a-backup");
    assertThat(db.snapshot()).isEqualTo(before);

    // the seed's interface: prod-data-reset "$DATABASE_URL" --backup FILE, into a new directory
    Path backup = dir.resolve("backups/seed.sql");
    Cli.Result seed =
        cli()
            .run(
                db.url(),
                "--policy",
                POLICY.toString(),
                "--backup",
                backup.toString(),
                "--confirm",
                db.name());
    assertThat(seed.exitCode()).as(seed.toString()).isZero();
    assertThat(seed.out()).contains("Reset committed: 10 tables emptied");
    assertThat(backup).exists();

    db.exec("INSERT INTO projects (owner_id, name) SELECT id, 'again' FROM users LIMIT 1");
    Cli.Result reasoned =
        cli()
            .run(
                "reset",
                db.url(),
                "--policy",
                POLICY.toString(),
                "--no-backup",
                "--i-have-a-backup",
                "nightly snapshot 2026-11-28 in the provider's console",
                "--confirm",
                db.name());
    assertThat(reasoned.exitCode()).as(reasoned.toString()).isZero();
    assertThat(db.count("projects")).isZero();
    assertThat(auditLines()).anySatisfy(l -> assertThat(l).contains("nightly snapshot 2026-11-28"));
  }

  List<String> auditLines() {
    try {
      return Files.readAllLines(dir.resolve("state/prod-data-reset/audit.jsonl"));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Set<String> ids(TestDatabase db, String table) {
    return db.queryStrings("SELECT id::text FROM " + table).stream().collect(Collectors.toSet());
  }
}

package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.HoldingProxy;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reset's exit codes, each meaning one thing (4 only for a committed change that could not be
 * proven), and its audit log: one final record per run, whatever the outcome, never a secret.
 */
@Tag("single-version")
class ResetExitCodesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String POLICY = ResetCommandTest.POLICY.toString();
  @TempDir Path dir;

  Cli cli() {
    return new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString());
  }

  Cli.Result reset(String url, String dbName, String backup, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "reset",
                url,
                "--policy",
                POLICY,
                "--backup",
                backup.equals("-") ? "-" : dir.resolve(backup).toString(),
                "--confirm",
                dbName));
    args.addAll(List.of(more));
    return cli().run(args.toArray(String[]::new));
  }

  @Test
  void aCheckThatRollsTheResetBackIsARefusalNotAnUnprovenCommit() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("rollback").loadPmAgent(2);
    // a trigger that writes into a kept table when a reset table is truncated; dynamic SQL, so that
    // nothing short of running it says where it writes
    db.exec(
        "CREATE FUNCTION note_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN EXECUTE"
            + " format('INSERT INTO %I (version) VALUES (%L)', 'schema_' || 'migrations', 'x'); RETURN"
            + " NULL; END $$",
        "CREATE TRIGGER note AFTER TRUNCATE ON epics FOR EACH STATEMENT EXECUTE FUNCTION"
            + " note_truncate()");
    Map<String, List<String>> before = db.snapshot();

    Cli.Result r = reset(db.url(), db.name(), "rb.sql");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.err())
        .contains("The check before commit failed")
        .contains("public.schema_migrations")
        .contains("rolled back, nothing was changed");
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(dir.resolve("rb.sql")).doesNotExist();
    assertThat(dir.resolve("rb.sql.manifest.json")).doesNotExist();
    assertThat(outcomes()).containsExactly(List.of("started", "rolled_back"));
  }

  @Test
  void aBackupPathInTheWayIsBadInputNotARefusal() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("exists").loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    Files.writeString(dir.resolve("old.sql"), "an earlier backup");
    Files.writeString(dir.resolve("stale.sql.manifest.json"), "{}");

    Cli.Result exists = reset(db.url(), db.name(), "old.sql");
    assertThat(exists.exitCode()).as(exists.toString()).isEqualTo(2);
    assertThat(exists.err()).contains("already exists; choose a new name");
    assertThat(Files.readString(dir.resolve("old.sql"))).isEqualTo("an earlier backup");

    Cli.Result manifest = reset(db.url(), db.name(), "stale.sql");
    assertThat(manifest.exitCode()).as(manifest.toString()).isEqualTo(2);
    assertThat(manifest.err()).contains("stale.sql.manifest.json").contains("choose a new");
    assertThat(dir.resolve("stale.sql")).doesNotExist();

    Cli.Result directory = reset(db.url(), db.name(), ".");
    assertThat(directory.exitCode()).as(directory.toString()).isEqualTo(2);
    assertThat(directory.err()).contains("is a directory");

    // a directory that cannot be made: a file is where it would go
    Cli.Result unusable = reset(db.url(), db.name(), "old.sql/sub/new.sql");
    assertThat(unusable.exitCode()).as(unusable.toString()).isEqualTo(2);
    assertThat(unusable.err()).contains("Cannot create the backup directory");

    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void aResetRefusesToStreamItsBackupToStdout() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("dash").loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    Path dash = Path.of("-").toAbsolutePath();
    assertThat(dash).doesNotExist();

    Cli.Result r = reset(db.url(), db.name(), "-");
    Cli.Result seed =
        cli().run(db.url(), "--policy", POLICY, "--backup", "-", "--confirm", db.name());

    for (Cli.Result result : List.of(r, seed)) {
      assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
      assertThat(result.err())
          .contains("A reset needs a backup it can read back")
          .contains("give a file name")
          .contains("backup --output -");
      assertThat(result.out()).isEmpty();
    }
    assertThat(dash).doesNotExist();
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void aCommittedResetWhoseCheckCannotRunIsUnprovenNotFailed() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("unproven").loadPmAgent(2);
    try (HoldingProxy proxy = new HoldingProxy(db.port())) {
      // the verification's connection is dropped after the commit
      proxy.holdWhen("count(*), NULL", "TRUNCATE TABLE", "COMMIT");
      String url =
          "postgres://postgres@localhost:" + proxy.port() + "/" + db.name() + "?sslmode=disable";
      CompletableFuture<Cli.Result> run =
          CompletableFuture.supplyAsync(() -> reset(url, db.name(), "u.sql"));
      assertThat(proxy.awaitHeld(60)).isTrue();
      proxy.cut();
      Cli.Result r = run.get(60, TimeUnit.SECONDS);

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
      assertThat(r.out()).contains("Reset committed: 10 tables emptied");
      assertThat(r.err())
          .contains("The reset was committed, but the verification afterwards failed to run");
    }
    assertThat(db.count("projects")).isZero();
    assertThat(dir.resolve("u.sql")).exists();
    assertThat(outcomes()).containsExactly(List.of("started", "succeeded"));
  }

  @Test
  void aCommitThatDoesNotAnswerSaysTheOutcomeIsUnknownAndHowToCheck() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("nocommit").loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    try (HoldingProxy proxy = new HoldingProxy(db.port())) {
      proxy.holdWhen("COMMIT", "TRUNCATE TABLE");
      String url =
          "postgres://postgres@localhost:" + proxy.port() + "/" + db.name() + "?sslmode=disable";
      CompletableFuture<Cli.Result> run =
          CompletableFuture.supplyAsync(() -> reset(url, db.name(), "c.sql"));
      assertThat(proxy.awaitHeld(60)).isTrue();
      proxy.cut();
      Cli.Result r = run.get(60, TimeUnit.SECONDS);

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err())
          .contains("The commit failed (")
          .contains("the reset may or may not have been applied")
          .contains("To check: prod-data-reset verify --url '")
          .contains("--manifest " + dir.resolve("c.sql") + ".manifest.json");
    }
    // the COMMIT never reached the server; the backup is kept all the same
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(dir.resolve("c.sql")).exists();
    assertThat(outcomes()).containsExactly(List.of("started", "failed"));
  }

  @Test
  void everyRunEndsWithOneFinalAuditRecordAndNoSecret() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("audit").loadPmAgent(2);
    db.exec(
        "GRANT ALL ON ALL TABLES IN SCHEMA public TO " + TestPostgres.PASSWORD_ROLE,
        "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + TestPostgres.PASSWORD_ROLE);
    String url = db.passwordUrl();
    List<Integer> codes = new ArrayList<>();
    // cancelled: --confirm names another database
    codes.add(reset(url, "not_it", "a.sql").exitCode());
    // refused: no terminal and no --confirm
    codes.add(
        cli()
            .run("reset", url, "--policy", POLICY, "--backup", dir.resolve("b.sql").toString())
            .exitCode());
    // failed: a writer holds a lock past the lock timeout
    try (var holder = db.connect()) {
      holder.setAutoCommit(false);
      try (var st = holder.createStatement()) {
        st.execute("INSERT INTO tags (project_id, name) SELECT min(id), 'held' FROM projects");
      }
      codes.add(reset(url, db.name(), "c.sql", "--lock-timeout", "500ms").exitCode());
      holder.rollback();
    }
    // succeeded, then nothing to remove
    codes.add(reset(url, db.name(), "d.sql").exitCode());
    codes.add(reset(url, db.name(), "e.sql").exitCode());
    // a restore (as the tables' owner): refused (cancelled), then succeeded
    String backup = dir.resolve("d.sql").toString();
    codes.add(cli().run("restore", backup, "--url", db.url(), "--confirm", "no").exitCode());
    codes.add(cli().run("restore", backup, "--url", db.url(), "--confirm", db.name()).exitCode());
    // rolled back: its check after the TRUNCATE finds a kept table changed by a trigger
    db.exec(
        "CREATE FUNCTION touch_users() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN EXECUTE"
            + " format('UPDATE %I SET name = name || %L', 'us' || 'ers', '.'); RETURN NULL; END $$",
        "CREATE TRIGGER touch AFTER TRUNCATE ON tags FOR EACH STATEMENT EXECUTE FUNCTION"
            + " touch_users()");
    codes.add(reset(url, db.name(), "f.sql").exitCode());

    assertThat(codes).containsExactly(5, 3, 1, 0, 0, 5, 0, 3);
    assertThat(outcomes())
        .containsExactly(
            List.of("refused"),
            List.of("refused"),
            List.of("started", "failed"),
            List.of("started", "succeeded"),
            List.of("started", "succeeded"),
            List.of("refused"),
            List.of("started", "succeeded"),
            List.of("started", "rolled_back"));
    String log = Files.readString(auditLog());
    String encoded = url.substring(url.indexOf(':', 12) + 1, url.indexOf('@', 20));
    assertThat(log).doesNotContain(TestPostgres.PASSWORD).doesNotContain(encoded);
  }

  private Path auditLog() {
    return dir.resolve("state/prod-data-reset/audit.jsonl");
  }

  /** The outcomes of each run in the audit log, runs in the order they started. */
  private List<List<String>> outcomes() throws Exception {
    Map<String, List<String>> byRun = new LinkedHashMap<>();
    for (String line : Files.readAllLines(auditLog())) {
      JsonNode r = JSON.readTree(line);
      byRun
          .computeIfAbsent(r.get("run").asText(), k -> new ArrayList<>())
          .add(r.get("outcome").asText());
    }
    return new ArrayList<>(byRun.values());
  }
}

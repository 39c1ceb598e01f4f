package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.HoldingProxy;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 1: after a committed reset, rows written since the commit are new, not a failure;
 * a row the reset removed that is back is one, and so is a backup that cannot be read to tell them
 * apart. The reset's own check after the commit and {@code verify --manifest} a while later.
 */
class RowsWrittenSinceResetTest {
  static final String POLICY = ResetCommandTest.POLICY.toString();
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  Cli cli() {
    return new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString());
  }

  private Cli.Result reset(String url, String database, Path backup, String... policy) {
    List<String> args = new ArrayList<>(List.of("reset", url));
    args.addAll(policy.length == 0 ? List.of("--policy", POLICY) : List.of(policy));
    args.addAll(List.of("--backup", backup.toString(), "--confirm", database));
    return cli().run(args.toArray(String[]::new));
  }

  private Cli.Result verify(TestDatabase db, Path backup, String... more) {
    List<String> args =
        new ArrayList<>(List.of("verify", db.url(), "--manifest", backup + ".manifest.json"));
    args.addAll(List.of(more));
    return cli().run(args.toArray(String[]::new));
  }

  private static JsonNode check(Cli.Result r, String table) throws Exception {
    for (JsonNode c : JSON.readTree(r.out()).get("checks")) {
      if (c.get("name").asText().equals(table)) {
        return c;
      }
    }
    throw new AssertionError(table + " not in " + r.out());
  }

  private static final String NEW_PROJECT =
      "INSERT INTO projects (owner_id, name) SELECT id, 'after the reset' FROM users"
          + " ORDER BY email LIMIT 1";

  @Test
  void rowsWrittenRightAfterTheCommitAreNewInTheResetsCheckAndInVerifyLater() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("since").loadPmAgent(2);
    long removedProjects = db.count("projects");
    Path backup = dir.resolve("since.sql");
    Cli.Result r;
    try (HoldingProxy proxy = new HoldingProxy(db.port())) {
      // the check after the commit is held at its first query (which takes its snapshot) while
      // the app writes three projects
      proxy.holdWhen("SELECT c.relkind FROM pg_catalog.pg_class", "TRUNCATE TABLE", "COMMIT");
      String url =
          "postgres://postgres@localhost:" + proxy.port() + "/" + db.name() + "?sslmode=disable";
      CompletableFuture<Cli.Result> run =
          CompletableFuture.supplyAsync(() -> reset(url, db.name(), backup));
      assertThat(proxy.awaitHeld(60)).isTrue();
      db.exec(NEW_PROJECT, NEW_PROJECT, NEW_PROJECT);
      proxy.release();
      r = run.get(60, TimeUnit.SECONDS);
    }

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("Reset committed: 10 tables emptied")
        .contains("reset held; 3 rows written since the reset committed")
        .contains("Verified: the reset held (10 reset tables: 9 empty, 1 with 3 rows written");
    JsonNode manifest = JSON.readTree(Path.of(backup + ".manifest.json").toFile());
    assertThat(manifest.get("reset").get("xid").asText()).matches("[0-9]+");
    assertThat(manifest.get("reset").get("committedAt").asText()).endsWith("Z");
    assertThat(manifest.get("reset").get("tables")).hasSize(10);
    assertThat(manifest.get("reset").get("tables").get(0).get("relfilenodes")).hasSize(1);

    // a day later: the same, by the manifest
    Cli.Result later = verify(db, backup);
    assertThat(later.exitCode()).as(later.toString()).isZero();
    assertThat(later.out()).contains("reset held; 3 rows written since the reset committed");
    Cli.Result json = verify(db, backup, "--json");
    assertThat(json.exitCode()).as(json.toString()).isZero();
    JsonNode projects = check(json, "public.projects");
    assertThat(projects.get("kind").asText()).isEqualTo("reset");
    assertThat(projects.get("status").asText()).isEqualTo("written_since");
    assertThat(projects.get("rowsWrittenSince").asLong()).isEqualTo(3);
    assertThat(projects.get("preResetRows").asLong()).isZero();
    assertThat(projects.get("sameStorage").asBoolean()).isTrue();
    assertThat(projects.get("ok").asBoolean()).isTrue();
    assertThat(check(json, "public.tags").get("status").asText()).isEqualTo("ok");
    assertThat(JSON.readTree(json.out()).get("reset").get("rowsWrittenSince").asLong())
        .isEqualTo(3);

    // a removed project back, by its primary key: a pre-reset row
    assertThat(removedProjects).isPositive();
    db.exec(
        "INSERT INTO projects (id, owner_id, name) SELECT 1, id, 'back' FROM users"
            + " ORDER BY email LIMIT 1");
    Cli.Result back = verify(db, backup, "--json");
    assertThat(back.exitCode()).as(back.toString()).isEqualTo(4);
    JsonNode p = check(back, "public.projects");
    assertThat(p.get("status").asText()).isEqualTo("pre_reset_row");
    assertThat(p.get("preResetRows").asLong()).isEqualTo(1);
    assertThat(p.get("rowsWrittenSince").asLong()).isEqualTo(4);
    assertThat(back.err())
        .contains("public.projects has 1 row the reset removed (of 4 rows; same primary key");

    // the storage changed since (VACUUM FULL): still compared, still failing
    db.exec("VACUUM FULL projects");
    Cli.Result vacuumed = verify(db, backup, "--json");
    assertThat(vacuumed.exitCode()).as(vacuumed.toString()).isEqualTo(4);
    assertThat(check(vacuumed, "public.projects").get("sameStorage").asBoolean()).isFalse();
    db.exec("DELETE FROM projects WHERE id = 1");
    Cli.Result deleted = verify(db, backup);
    assertThat(deleted.exitCode()).as(deleted.toString()).isZero();
    assertThat(deleted.out())
        .contains("reset held; 3 rows written since the reset committed (its storage changed");
  }

  @Test
  void theBackupRestoredIntoTheTablesIsPreResetRowsBack() {
    TestDatabase db = TestPostgres.freshDatabase("restored").loadPmAgent(2);
    Path backup = dir.resolve("restored.sql.gz");
    assertThat(reset(db.url(), db.name(), backup).exitCode()).isZero();

    Cli.Result restore =
        cli().run("restore", backup.toString(), "--url", db.url(), "--confirm", db.name());
    assertThat(restore.exitCode()).as(restore.toString()).isZero();

    Cli.Result v = verify(db, backup);
    assertThat(v.exitCode()).as(v.toString()).isEqualTo(4);
    assertThat(v.err())
        .contains("public.projects has " + db.count("projects") + " rows the reset removed")
        .contains("pre-reset rows are back");
  }

  @Test
  void aTableWithoutPrimaryKeyIsComparedByEveryColumnInTheResetsTimeZone() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("nokey");
    db.exec(
        "CREATE TABLE accounts (id int PRIMARY KEY, name text)",
        "CREATE TABLE events (at timestamptz NOT NULL, what text)",
        "INSERT INTO accounts VALUES (1, 'a')",
        "INSERT INTO events VALUES ('2026-01-02 03:04:05.123456+00', 'old'),"
            + " ('2026-01-02 03:04:05.123456+00', 'old'), ('2026-02-01 00:00:00+00', 'x\ty')");
    Path backup = dir.resolve("nokey.sql");
    Cli.Result r = reset(db.url(), db.name(), backup, "--reset", "events", "--keep", "accounts");
    assertThat(r.exitCode()).as(r.toString()).isZero();

    // a new row with a removed row's time but other content: written since
    db.exec("INSERT INTO events VALUES ('2026-01-02 03:04:05.123456+00', 'new')");
    TimeZone jvm = TimeZone.getDefault();
    Cli.Result ok;
    Cli.Result back;
    try {
      // verify from a machine in another time zone (PgJDBC sets the session's to the JVM's)
      TimeZone.setDefault(
          TimeZone.getTimeZone(
              jvm.getID().equals("Pacific/Auckland") ? "UTC" : "Pacific/Auckland"));
      ok = verify(db, backup, "--json");
      db.exec("INSERT INTO events VALUES ('2026-01-02 03:04:05.123456+00', 'old')");
      back = verify(db, backup);
    } finally {
      TimeZone.setDefault(jvm);
    }
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    assertThat(check(ok, "public.events").get("status").asText()).isEqualTo("written_since");
    assertThat(back.exitCode()).as(back.toString()).isEqualTo(4);
    assertThat(back.err())
        .contains("public.events has 1 row the reset removed (of 2 rows; equal in every column");
  }

  @Test
  void aKeptTableChangedAfterTheCommitIsChangedSinceNotAFailure() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("keptsince").loadPmAgent(2);
    long users = db.count("users");
    Path backup = dir.resolve("kept.sql");
    assertThat(reset(db.url(), db.name(), backup).exitCode()).isZero();

    db.exec("UPDATE users SET name = 'changed' WHERE email = 'user1@example.com'");
    Cli.Result updated = verify(db, backup);
    assertThat(updated.exitCode()).as(updated.toString()).isZero();
    assertThat(updated.out())
        .contains("changed since the reset (same row count, " + users + ", other content)");

    db.exec("INSERT INTO users (email) VALUES ('new@example.com')");
    Cli.Result json = verify(db, backup, "--json");
    assertThat(json.exitCode()).as(json.toString()).isZero();
    JsonNode u = check(json, "public.users");
    assertThat(u.get("kind").asText()).isEqualTo("kept");
    assertThat(u.get("status").asText()).isEqualTo("changed_since");
    assertThat(u.get("rows").asLong()).isEqualTo(users + 1);
    assertThat(u.get("rowsAtCommit").asLong()).isEqualTo(users);
    assertThat(u.get("note").asText())
        .isEqualTo(
            "changed since the reset (" + (users + 1) + " rows now, " + users + " at commit)");
    assertThat(check(json, "public.api_keys").get("status").asText()).isEqualTo("ok");
  }

  @Test
  void aMissingBackupFailsOnlyWhenAResetTableHasRows() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("moved").loadPmAgent(2);
    Path backup = dir.resolve("moved.sql");
    assertThat(reset(db.url(), db.name(), backup).exitCode()).isZero();
    Path away = dir.resolve("elsewhere.sql");
    Files.move(backup, away);

    // empty reset tables prove the reset without the backup
    Cli.Result empty = verify(db, backup);
    assertThat(empty.exitCode()).as(empty.toString()).isZero();

    db.exec(NEW_PROJECT);
    Cli.Result missing = verify(db, backup);
    assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(4);
    assertThat(missing.err())
        .contains("public.projects has 1 row written since the reset committed, and the backup")
        .contains("cannot be read (no such file)")
        .contains("they cannot be told apart from the rows the reset removed")
        .contains("put the backup back as " + backup);

    // a file of that name that is not the backup: the same
    Files.writeString(backup, "-- not the backup\n");
    Cli.Result other = verify(db, backup);
    assertThat(other.exitCode()).as(other.toString()).isEqualTo(4);
    assertThat(other.err()).contains("it does not match its manifest");

    Files.move(away, backup, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Cli.Result found = verify(db, backup);
    assertThat(found.exitCode()).as(found.toString()).isZero();
  }

  @Test
  void aManifestWithoutTheResetSectionIsCheckedAsBefore() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("oldmanifest").loadPmAgent(2);
    Path backup = dir.resolve("old.sql");
    assertThat(reset(db.url(), db.name(), backup).exitCode()).isZero();
    Path manifest = Path.of(backup + ".manifest.json");
    ObjectNode m = (ObjectNode) JSON.readTree(manifest.toFile());
    assertThat(m.has("reset")).isTrue();
    m.remove("reset");
    Files.writeString(manifest, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m));

    assertThat(verify(db, backup).exitCode()).isZero();
    db.exec(NEW_PROJECT);
    Cli.Result rows = verify(db, backup, "--json");
    assertThat(rows.exitCode()).as(rows.toString()).isEqualTo(4);
    assertThat(rows.err()).contains("public.projects has 1 row; it should be empty");
    assertThat(check(rows, "public.projects").get("status").asText()).isEqualTo("failed");
    assertThat(JSON.readTree(rows.out()).has("reset")).isFalse();
  }

  @Test
  void afterRestartIdentityReusedKeysAreNewAndOnlyEqualRowsAreBack() {
    TestDatabase db = TestPostgres.freshDatabase("restart");
    db.exec(
        "CREATE TABLE orders (id serial PRIMARY KEY, what text)",
        "CREATE TABLE archive (id serial PRIMARY KEY)",
        "INSERT INTO orders (what) SELECT 'o' FROM generate_series(1, 5)",
        "INSERT INTO archive DEFAULT VALUES");
    Path backup = dir.resolve("restart.sql");
    List<String> args =
        List.of(
            "reset",
            db.url(),
            "--keep",
            "archive",
            "--backup",
            backup.toString(),
            "--confirm",
            db.name(),
            "--restart-identity");
    Cli.Result r = cli().run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isZero();

    db.exec("INSERT INTO orders (what) VALUES ('new')"); // id 1 again, by design
    Cli.Result ok = verify(db, backup);
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    assertThat(ok.out()).contains("reset held; 1 row written since the reset committed");

    db.exec("INSERT INTO orders (what) VALUES ('o')"); // id 2, 'o': as removed
    Cli.Result back = verify(db, backup);
    assertThat(back.exitCode()).as(back.toString()).isEqualTo(4);
    assertThat(back.err()).contains("public.orders has 1 row the reset removed");
  }

  @Test
  void aPartitionedTableIsMarkedByEachLeafsStorage() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("parts");
    db.exec(
        "CREATE TABLE keepme (id int PRIMARY KEY)",
        "CREATE TABLE events (id int, at date NOT NULL, PRIMARY KEY (id, at))"
            + " PARTITION BY RANGE (at)",
        "CREATE TABLE events_2025 PARTITION OF events"
            + " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        "CREATE TABLE events_2026 PARTITION OF events"
            + " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        "INSERT INTO keepme VALUES (1)",
        "INSERT INTO events VALUES (1, '2025-05-01'), (2, '2026-05-01')");
    Path backup = dir.resolve("parts.sql");
    Cli.Result r = reset(db.url(), db.name(), backup, "--reset", "events", "--keep", "keepme");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode tables =
        JSON.readTree(Path.of(backup + ".manifest.json").toFile()).get("reset").get("tables");
    assertThat(tables).hasSize(1);
    assertThat(tables.get(0).get("name").asText()).isEqualTo("public.events");
    assertThat(tables.get(0).get("relfilenodes")).hasSize(2);

    db.exec("INSERT INTO events VALUES (3, '2026-06-01')");
    Cli.Result ok = verify(db, backup, "--json");
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    assertThat(check(ok, "public.events").get("sameStorage").asBoolean()).isTrue();
    db.exec("INSERT INTO events VALUES (1, '2025-05-01')");
    Cli.Result back = verify(db, backup);
    assertThat(back.exitCode()).as(back.toString()).isEqualTo(4);
    assertThat(back.err()).contains("public.events has 1 row the reset removed (of 2 rows");
  }

  @Test
  void withoutABackupRowsWrittenSinceHoldAndSaySoAndNothingIsRecorded() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("nobackup");
    db.exec(
        "CREATE TABLE keepme (id int PRIMARY KEY)",
        "CREATE TABLE items (id serial PRIMARY KEY, what text)",
        "INSERT INTO items (what) VALUES ('a'), ('b')");
    Cli.Result r;
    try (HoldingProxy proxy = new HoldingProxy(db.port())) {
      proxy.holdWhen("SELECT c.relkind FROM pg_catalog.pg_class", "TRUNCATE TABLE", "COMMIT");
      String url =
          "postgres://postgres@localhost:" + proxy.port() + "/" + db.name() + "?sslmode=disable";
      CompletableFuture<Cli.Result> run =
          CompletableFuture.supplyAsync(
              () ->
                  cli()
                      .run(
                          "reset",
                          url,
                          "--reset",
                          "items",
                          "--keep",
                          "keepme",
                          "--no-backup",
                          "--i-have-a-backup",
                          "a test database",
                          "--confirm",
                          db.name()));
      assertThat(proxy.awaitHeld(60)).isTrue();
      db.exec("INSERT INTO items (what) VALUES ('c')");
      proxy.release();
      r = run.get(60, TimeUnit.SECONDS);
    }
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains(
            "reset held; 1 row written since the reset committed; not compared with the rows the"
                + " reset removed: no backup was written");
  }
}

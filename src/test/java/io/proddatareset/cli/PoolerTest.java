package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.testing.ChildRun;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.PgBouncer;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The whole workflow through a real PgBouncer (1.18 on Debian, which cannot carry named prepared
 * statements in transaction mode), in transaction and in session pool mode, as a user runs it:
 * plan, backup with {@code --jobs 2}, reset, verify, restore. The pool holds several server
 * connections handed out in turn ({@code server_round_robin}), so in transaction mode a client's
 * consecutive transactions run in different server sessions, as in a busy production pool; the
 * tests also check that nothing the tool set stays behind on a server connection for the app.
 */
class PoolerTest {
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
  PgBouncer pooler;

  @AfterEach
  void stopPooler() {
    if (pooler != null) {
      pooler.close();
    }
  }

  Cli cli() {
    return new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString());
  }

  TestDatabase pooled(PgBouncer.Mode mode) {
    Assumptions.assumeTrue(PgBouncer.available(), PgBouncer.unavailableReason());
    TestDatabase db = TestPostgres.freshDatabase("pooler").loadPmAgent(2);
    pooler = PgBouncer.start(mode);
    pooler.warm(db, 4);
    return db;
  }

  @ParameterizedTest
  @EnumSource(PgBouncer.Mode.class)
  void planBackupResetVerifyAndRestoreWorkThroughThePooler(PgBouncer.Mode mode) throws Exception {
    TestDatabase db = pooled(mode);
    String url = pooler.url(db);
    Map<String, List<String>> before = db.snapshot();
    Map<String, String> sequencesBefore = db.sequences();
    long resetRows = RESET_TABLES.stream().mapToLong(t -> db.count("public." + t)).sum();

    Cli.Result plan = cli().run("plan", url, "--policy", POLICY.toString());
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    assertThat(plan.out())
        .contains(String.format("Reset 10 tables with %,d rows; keep 3 tables.", resetRows));

    Path backup = dir.resolve("backup.sql");
    Cli.Result backedUp =
        cli()
            .run(
                "backup",
                url,
                "--policy",
                POLICY.toString(),
                "--jobs",
                "2",
                "-o",
                backup.toString());
    assertThat(backedUp.exitCode()).as(backedUp.toString()).isZero();
    assertThat(manifestRows(Path.of(backup + ".manifest.json"))).isEqualTo(resetRows);
    assertThat(db.snapshot()).isEqualTo(before);

    Path resetBackup = dir.resolve("reset.sql.gz");
    Cli.Result reset =
        cli()
            .run(
                "reset",
                url,
                "--policy",
                POLICY.toString(),
                "--jobs",
                "2",
                "--backup",
                resetBackup.toString(),
                "--confirm",
                db.name());
    assertThat(reset.exitCode()).as(reset.toString()).isZero();
    Map<String, List<String>> after = db.snapshot();
    for (String t : RESET_TABLES) {
      assertThat(after.get("public." + t)).as(t).isEmpty();
    }
    for (String t : KEPT_TABLES) {
      assertThat(after.get("public." + t)).as(t).isEqualTo(before.get("public." + t)).isNotEmpty();
    }
    Path manifest = Path.of(resetBackup + ".manifest.json");
    assertThat(manifestRows(manifest)).isEqualTo(resetRows);

    Cli.Result verify =
        cli().run("verify", url, "--policy", POLICY.toString(), "--manifest", manifest.toString());
    assertThat(verify.exitCode()).as(verify.toString()).isZero();

    Cli.Result dryRun = cli().run("restore", resetBackup.toString(), "--url", url, "--dry-run");
    assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
    assertThat(dryRun.out()).contains("The restore would go ahead.");
    // a backup taken through the pooler is the same database's when seen on the direct host
    Cli.Result direct =
        cli().run("restore", resetBackup.toString(), "--url", db.url(), "--dry-run");
    assertThat(direct.exitCode()).as(direct.toString()).isZero();
    assertThat(direct.out()).contains("The restore would go ahead.");
    assertThat(db.snapshot()).isEqualTo(after);

    Cli.Result restore =
        cli().run("restore", resetBackup.toString(), "--url", url, "--confirm", db.name());
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.sequences()).isEqualTo(sequencesBefore);

    // the backup holds the same data as the reset's (and so as the restored tables)
    assertThat(manifestTables(Path.of(backup + ".manifest.json")))
        .isEqualTo(manifestTables(manifest));

    assertThat(serverSessionDefaults(db))
        .as("session settings on the pool's server connections after the runs")
        .containsExactly("read committed|off");
  }

  @ParameterizedTest
  @EnumSource(PgBouncer.Mode.class)
  void aResetBlockedByAnotherSessionGivesUpNamingItAndChangesNothing(PgBouncer.Mode mode)
      throws Exception {
    TestDatabase db = pooled(mode);
    Map<String, List<String>> before = db.snapshot();
    Path backup = dir.resolve("blocked.sql");
    Cli.Result r;
    int holderPid;
    try (Connection holder = db.connect()) {
      holder.setAutoCommit(false);
      try (Statement st = holder.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "WITH t AS (INSERT INTO tags (project_id, name) SELECT min(id), 'held'"
                      + " FROM projects RETURNING 1) SELECT pg_backend_pid() FROM t")) {
        rs.next();
        holderPid = rs.getInt(1);
      }
      long started = System.nanoTime();
      r =
          cli()
              .run(
                  "reset",
                  pooler.url(db),
                  "--policy",
                  POLICY.toString(),
                  "--backup",
                  backup.toString(),
                  "--confirm",
                  db.name(),
                  "--lock-timeout",
                  "1s");
      assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1000 + 10_000);
      holder.rollback();
    }
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    String error = r.err().lines().filter(l -> l.startsWith("error:")).findFirst().orElseThrow();
    assertThat(error).contains("Could not lock").contains("Nothing was changed");
    // in both modes: the reset asks its server pid inside its own transaction, which keeps one
    // server session even behind a transaction-mode pooler
    assertThat(error).contains("pid " + holderPid);
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(backup).doesNotExist();
  }

  @ParameterizedTest
  @EnumSource(PgBouncer.Mode.class)
  void ctrlCThroughThePoolerCancelsTheServersStatementAndRollsBack(PgBouncer.Mode mode)
      throws Exception {
    TestDatabase db = pooled(mode);
    db.exec(
        "CREATE FUNCTION slow_truncate() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN PERFORM pg_sleep(60); RETURN NULL; END $$",
        "CREATE TRIGGER slow BEFORE TRUNCATE ON epics"
            + " FOR EACH STATEMENT EXECUTE FUNCTION slow_truncate()");
    Map<String, List<String>> before = db.snapshot();
    Path backup = dir.resolve("interrupted.sql");
    ChildRun child =
        new ChildRun(
            dir,
            List.of(
                "reset",
                pooler.url(db),
                "--policy",
                POLICY.toString(),
                "--backup",
                backup.toString(),
                "--confirm",
                db.name(),
                "--jobs",
                "1"));
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (truncating(db) == 0) {
      assertThat(child.process.isAlive()).as(child.output()).isTrue();
      assertThat(System.nanoTime()).as(child.output()).isLessThan(deadline);
      Thread.sleep(10);
    }
    long signalled = System.nanoTime();
    child.signal("INT");
    child.assertInterrupted(
        "Interrupted while truncating: rolled back, nothing was changed; the backup was removed.");
    // the cancel request went through the pooler to the server: the sleeping TRUNCATE stopped
    // instead of holding its exclusive locks for a minute on a connection the pooler closed
    while (truncating(db) > 0) {
      assertThat((System.nanoTime() - signalled) / 1_000_000_000L)
          .as("seconds the server went on truncating after Ctrl-C")
          .isLessThan(15);
      Thread.sleep(50);
    }
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(backup).doesNotExist();
  }

  @ParameterizedTest
  @EnumSource(PgBouncer.Mode.class)
  void aPoolWithNoFreeServerConnectionIsNamedInTheOneLineError(PgBouncer.Mode mode)
      throws Exception {
    Assumptions.assumeTrue(PgBouncer.available(), PgBouncer.unavailableReason());
    TestDatabase db = TestPostgres.freshDatabase("pooler").loadPmAgent(2);
    pooler = PgBouncer.start(mode, 1);
    pooler.warm(db, 1);
    try (Connection app =
        DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:"
                + pooler.port()
                + "/"
                + db.name()
                + "?user=postgres&sslmode=disable&prepareThreshold=0")) {
      // the app holds the pool's only server connection
      app.setAutoCommit(false);
      try (Statement st = app.createStatement()) {
        st.execute("SELECT 1");
      }
      Cli.Result r =
          cli()
              .run(
                  "plan", pooler.url(db), "--policy", POLICY.toString(), "--connect-timeout", "1s");
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1);
      assertThat(r.err())
          .startsWith("error: No answer from ")
          .contains("Through a connection pooler (PgBouncer), does its pool have a free server");
      app.rollback();
    }
  }

  private static long truncating(TestDatabase db) {
    return db.queryLong(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            + " AND state = 'active' AND query ILIKE 'TRUNCATE%'");
  }

  /** Each table's {@code rows sha256} in the manifest. */
  private static Map<String, String> manifestTables(Path manifest) throws IOException {
    Map<String, String> out = new java.util.TreeMap<>();
    for (JsonNode t : new ObjectMapper().readTree(Files.readString(manifest)).get("tables")) {
      out.put(t.get("name").asText(), t.get("rows").asText() + " " + t.get("sha256").asText());
    }
    return out;
  }

  /** The sum of the manifest's table row counts. */
  private static long manifestRows(Path manifest) throws IOException {
    JsonNode root = new ObjectMapper().readTree(Files.readString(manifest));
    long sum = 0;
    for (JsonNode t : root.get("tables")) {
      sum += t.get("rows").asLong();
    }
    return sum;
  }

  /**
   * {@code default_transaction_isolation|default_transaction_read_only} as every server connection
   * of the pool has it, asked through the pooler as an app would: with round-robin, statements
   * outside a transaction go to each server connection in turn.
   */
  private Iterable<String> serverSessionDefaults(TestDatabase db) throws SQLException {
    long servers =
        db.queryLong(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND backend_type = 'client backend' AND pid <> pg_backend_pid()");
    TreeSet<String> seen = new TreeSet<>();
    List<String> pids = new ArrayList<>();
    try (Connection app =
            DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:"
                    + pooler.port()
                    + "/"
                    + db.name()
                    + "?user=postgres&sslmode=disable&prepareThreshold=0");
        Statement st = app.createStatement()) {
      for (int i = 0; i < 3 * servers + 3; i++) {
        try (ResultSet rs =
            st.executeQuery(
                "SELECT current_setting('default_transaction_isolation') || '|'"
                    + " || current_setting('default_transaction_read_only'), pg_backend_pid()")) {
          rs.next();
          seen.add(rs.getString(1));
          pids.add(rs.getString(2));
        }
      }
    }
    if (pooler.mode() == PgBouncer.Mode.TRANSACTION) {
      assertThat(new TreeSet<>(pids)).as("server connections asked").hasSizeGreaterThan(1);
    }
    return seen;
  }
}

package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real faults during a reset: a killed connection, and live writers. */
class ResetFaultsTest {
  static final String POLICY = ResetCommandTest.POLICY.toString();
  @TempDir Path dir;

  Cli cli() {
    return new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString());
  }

  /** Terminates the tool's backend as soon as it runs a statement matching {@code like}. */
  static Thread killWhen(
      TestDatabase db, String like, boolean waitingOnLock, AtomicBoolean killed) {
    Thread t =
        new Thread(
            () -> {
              try (Connection c = db.connect();
                  Statement st = c.createStatement()) {
                long deadline = System.currentTimeMillis() + 60_000;
                while (System.currentTimeMillis() < deadline && !killed.get()) {
                  try (ResultSet rs =
                      st.executeQuery(
                          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'prod-data-reset'"
                              + " AND datname = current_database() AND query ILIKE '"
                              + like
                              + "' AND state = 'active'"
                              + (waitingOnLock ? " AND wait_event_type = 'Lock'" : ""))) {
                    if (rs.next() && rs.getBoolean(1)) {
                      killed.set(true);
                    }
                  }
                  Thread.sleep(5);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    t.start();
    return t;
  }

  @Test
  void connectionTerminatedDuringTheBackupChangesNothing() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("kill").loadPmAgent(20);
    Map<String, List<String>> before = db.snapshot();
    AtomicBoolean killed = new AtomicBoolean();
    Thread killer = killWhen(db, "COPY%", false, killed);
    Cli.Result r =
        cli()
            .run(
                "reset",
                db.url(),
                "--policy",
                POLICY,
                "--backup",
                dir.resolve("k.sql").toString(),
                "--confirm",
                db.name(),
                "--jobs",
                "1");
    killed.set(true);
    killer.join();
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).containsAnyOf("connection", "terminat", "ended the session");
    assertThat(db.snapshot()).isEqualTo(before);
    try (var files = Files.list(dir)) {
      assertThat(files.filter(p -> !p.getFileName().toString().equals("state")).toList()).isEmpty();
    }
  }

  @Test
  void connectionTerminatedDuringTheTruncateChangesNothing() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("kill").loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    AtomicBoolean killed = new AtomicBoolean();
    // a reader keeps ACCESS SHARE on a reset table, so the TRUNCATE waits for its exclusive lock
    try (Connection reader = db.connect()) {
      reader.setAutoCommit(false);
      try (Statement st = reader.createStatement()) {
        st.executeQuery("SELECT count(*) FROM epics").close();
      }
      Thread killer = killWhen(db, "TRUNCATE%", true, killed);
      Cli.Result r =
          cli()
              .run(
                  "reset",
                  db.url(),
                  "--policy",
                  POLICY,
                  "--backup",
                  dir.resolve("t.sql").toString(),
                  "--confirm",
                  db.name(),
                  "--lock-timeout",
                  "20s");
      killed.set(true);
      killer.join();
      reader.rollback();
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    }
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(dir.resolve("t.sql")).doesNotExist();
    assertThat(dir.resolve("t.sql.manifest.json")).doesNotExist();
  }

  @Test
  void aTruncateLongerThanTheStatementTimeoutChangesNothing() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("slowtruncate").loadPmAgent(2);
    // a user's TRUNCATE trigger that takes 30 s: the TRUNCATE statement runs past the timeout
    db.exec(
        "CREATE FUNCTION slow_truncate() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$",
        "CREATE TRIGGER slow BEFORE TRUNCATE ON epics"
            + " FOR EACH STATEMENT EXECUTE FUNCTION slow_truncate()");
    Map<String, List<String>> before = db.snapshot();
    long started = System.nanoTime();
    Cli.Result r =
        cli()
            .run(
                "reset",
                db.url(),
                "--policy",
                POLICY,
                "--backup",
                dir.resolve("s.sql").toString(),
                "--confirm",
                db.name(),
                "--statement-timeout",
                "2s");
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err())
        .contains("TRUNCATE took longer than the statement timeout of 2s")
        .contains("nothing was changed");
    assertThat(seconds).as("stopped by the timeout, not by the trigger's end").isLessThan(25);
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(dir.resolve("s.sql")).doesNotExist();
    assertThat(dir.resolve("s.sql.manifest.json")).doesNotExist();
  }

  @Test
  void everyRowCommittedByALiveWriterIsInTheBackupOrStillInTheTable() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("load").loadPmAgent(2);
    ConcurrentLinkedQueue<String> committed = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer =
        new Thread(
            () -> {
              try (Connection c = db.connect();
                  Statement st = c.createStatement()) {
                while (!stop.get()) {
                  try (ResultSet rs =
                      st.executeQuery(
                          "INSERT INTO projects (owner_id, name) SELECT id, 'live' FROM users ORDER BY email LIMIT 1 RETURNING id")) {
                    rs.next();
                    committed.add(rs.getString(1));
                  }
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    writer.start();
    while (committed.size() < 20) {
      Thread.sleep(5);
    }
    Path backup = dir.resolve("live.sql");
    Cli.Result r =
        cli()
            .run(
                "reset",
                db.url(),
                "--policy",
                POLICY,
                "--backup",
                backup.toString(),
                "--confirm",
                db.name());
    Thread.sleep(200);
    stop.set(true);
    writer.join();
    // the reset succeeds, and the rows the writer added since the commit are new (issue 12)
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Reset committed");
    Cli.Result verify =
        cli().run("verify", db.url(), "--manifest", backup + ".manifest.json", "--json");
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    assertThat(verify.out())
        .contains("\"rowsWrittenSince\" : " + db.count("projects"))
        .contains("\"preResetRows\" : 0");

    Set<String> inBackup = new HashSet<>();
    boolean inProjects = false;
    for (String line : Files.readAllLines(backup)) {
      if (line.startsWith("COPY public.projects ")) {
        inProjects = true;
      } else if (line.equals("\\.")) {
        inProjects = false;
      } else if (inProjects) {
        inBackup.add(line.substring(0, line.indexOf('\t')));
      }
    }
    Set<String> inTable = new HashSet<>(db.queryStrings("SELECT id::text FROM projects"));
    assertThat(committed).isNotEmpty();
    for (String id : committed) {
      assertThat(inBackup.contains(id) || inTable.contains(id)).as("project " + id).isTrue();
    }
    // and nothing is in both: the backup holds exactly what the TRUNCATE removed
    assertThat(inBackup).doesNotContainAnyElementsOf(inTable);
  }
}

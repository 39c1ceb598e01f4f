package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.connect.TargetParser;
import io.proddatareset.plan.RowClosure;
import io.proddatareset.plan.RowSelection;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;

/**
 * {@code backup --where}, then the rows deleted as a subset reset deletes them, then {@code
 * restore} of the subset backup into the live tables: every table's sorted COPY output and every
 * sequence are as they were. On real schemas (PM Agent, pagila) and one of shapes: a non-deferrable
 * cycle (a country and its capital), a self-reference, a composite key, SET NULL keys, an identity
 * column GENERATED ALWAYS, a generated column and a trigger.
 */
class LiveRestoreTest {
  @TempDir Path dir;

  static final String SHAPES =
      """
      CREATE TABLE tenants (id int PRIMARY KEY, name text NOT NULL);
      CREATE TABLE tenant_count (n int NOT NULL);
      INSERT INTO tenant_count VALUES (0);
      CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS
        $$BEGIN UPDATE tenant_count SET n = n + 1; RETURN NEW; END$$;
      CREATE TRIGGER tenants_counted AFTER INSERT ON tenants FOR EACH ROW EXECUTE FUNCTION bump();
      CREATE TABLE countries (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id int NOT NULL REFERENCES tenants, name text, capital_id int);
      CREATE TABLE cities (id serial PRIMARY KEY, country_id int NOT NULL REFERENCES countries,
        name text, shout text GENERATED ALWAYS AS (upper(name)) STORED);
      ALTER TABLE countries ADD CONSTRAINT countries_capital_fkey
        FOREIGN KEY (capital_id) REFERENCES cities;
      CREATE TABLE employees (id int PRIMARY KEY, tenant_id int NOT NULL REFERENCES tenants,
        manager_id int REFERENCES employees, mentor_id int REFERENCES employees ON DELETE SET NULL);
      CREATE TABLE projects (tenant_id int REFERENCES tenants, code text,
        PRIMARY KEY (tenant_id, code));
      CREATE TABLE tasks (id serial PRIMARY KEY, tenant_id int, code text, title text,
        FOREIGN KEY (tenant_id, code) REFERENCES projects ON DELETE CASCADE);
      CREATE TABLE notes (id serial PRIMARY KEY, city_id int REFERENCES cities ON DELETE SET NULL,
        body text);
      INSERT INTO tenants VALUES (1, 'test'), (2, 'real');
      INSERT INTO countries (tenant_id, name) VALUES (1, 'Testland'), (2, 'Realia'), (1, 'Mock');
      INSERT INTO cities (country_id, name) VALUES (1, 'Testville'), (1, 'Fakeburg'),
        (2, 'Realton'), (3, 'Mockham');
      UPDATE countries SET capital_id = CASE id WHEN 1 THEN 1 WHEN 2 THEN 3 ELSE 4 END;
      INSERT INTO employees VALUES (1, 1, NULL, NULL), (2, 1, 1, NULL), (3, 1, 2, 1),
        (4, 2, NULL, NULL), (5, 2, 4, 2);
      INSERT INTO projects VALUES (1, 'a'), (1, 'b'), (2, 'a');
      INSERT INTO tasks (tenant_id, code, title) VALUES (1, 'a', 'x'), (1, 'b', 'y'), (2, 'a', 'z');
      INSERT INTO notes (city_id, body) VALUES (1, 'about testville'), (3, 'about realton'),
        (2, 'fakeburg'), (NULL, 'none');
      """;

  static TestDatabase shapes() {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SHAPES);
    return db;
  }

  /** The hand-written delete of tenant 1 and everything that hangs off it, as a reset does it. */
  static final String[] DELETE_TENANT_1 = {
    "DELETE FROM tasks WHERE tenant_id = 1",
    "DELETE FROM projects WHERE tenant_id = 1",
    // employee 5 (tenant 2) is mentored by 2: ON DELETE SET NULL updates it
    "DELETE FROM employees WHERE tenant_id = 1",
    // the cycle: null the back-reference first
    "UPDATE countries SET capital_id = NULL WHERE tenant_id = 1",
    "DELETE FROM cities WHERE country_id IN (SELECT id FROM countries WHERE tenant_id = 1)",
    "DELETE FROM countries WHERE tenant_id = 1",
    "DELETE FROM tenants WHERE id = 1"
  };

  Cli.Result backup(TestDatabase db, Path file, String... where) {
    List<String> args = new java.util.ArrayList<>(List.of("backup", "--url", db.url(), "-o"));
    args.add(file.toString());
    for (String w : where) {
      args.addAll(List.of("--where", w));
    }
    return new Cli().run(args.toArray(String[]::new));
  }

  @Test
  void shapesRoundTripCycleSelfReferenceCompositeKeySetNullAndTriggers() throws Exception {
    TestDatabase db = shapes();
    Map<String, List<String>> before = db.snapshot();
    Map<String, String> sequences = db.sequences();
    Path file = dir.resolve("tenant1.sql.zst");

    Cli.Result b = backup(db, file, "tenants: id = 1");
    assertThat(b.exitCode()).as(b.toString()).isZero();
    assertThat(b.out()).contains("subset backup").contains("public.notes (update)");
    // backup --where changes nothing
    assertThat(db.snapshot()).isEqualTo(before);
    BackupManifest m = ManifestFile.read(ManifestFile.pathFor(file));
    List<String> order = m.tables().stream().map(t -> t.table() + ":" + t.action()).toList();
    // parents first; the country before its capital city (its key into cities is nullable)
    assertThat(order)
        .containsExactly(
            "tenants:delete",
            "countries:delete",
            "cities:delete",
            "employees:delete",
            "projects:delete",
            "tasks:delete",
            "employees:update",
            "notes:update");
    assertThat(m.tables().get(4).key()).containsExactly("tenant_id", "code");
    assertThat(m.tables().get(7).updatedColumns()).containsExactly("city_id");
    assertThat(m.tables().get(7).rows()).isEqualTo(2);

    db.exec(DELETE_TENANT_1);
    Map<String, List<String>> afterReset = db.snapshot();

    // the dry run lists the trigger that would fire and how the cycle is loaded; changes nothing
    Cli.Result dry = new Cli().run("restore", "--dry-run", file.toString(), "--url", db.url());
    assertThat(dry.exitCode()).as(dry.toString()).isZero();
    assertThat(dry.out())
        .contains("into the live tables")
        .contains("Foreign keys are kept")
        .contains("public.tenants: tenants_counted (bump, on INSERT)")
        .contains("public.countries(capital_id) -> public.cities (countries_capital_fkey)")
        .contains("not set back");
    assertThat(db.snapshot()).isEqualTo(afterReset);

    Cli.Result r = RoundTrips.restore(db, file, "--disable-triggers");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Restored ").contains("Triggers disabled");
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.sequences()).isEqualTo(sequences);
    // the trigger is enabled again
    assertThat(
            db.queryStrings(
                "SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'tenants_counted'"))
        .containsExactly("O");
  }

  @Test
  void aDeferrableCycleOfNotNullKeysIsDeferredToTheEndOfTheLoad() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE a (id int PRIMARY KEY, b_id int NOT NULL)",
        "CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a DEFERRABLE)",
        "ALTER TABLE a ADD CONSTRAINT a_b_fkey FOREIGN KEY (b_id) REFERENCES b DEFERRABLE",
        "BEGIN; SET CONSTRAINTS ALL DEFERRED;"
            + " INSERT INTO a VALUES (1, 1), (2, 2); INSERT INTO b VALUES (1, 1), (2, 2); COMMIT");
    Map<String, List<String>> before = db.snapshot();
    Path file = dir.resolve("ab.sql");
    assertThat(backup(db, file, "a: id = 1").exitCode()).isZero();
    db.exec(
        "BEGIN; SET CONSTRAINTS ALL DEFERRED; DELETE FROM a WHERE id = 1;"
            + " DELETE FROM b WHERE id = 1; COMMIT");
    Cli.Result dry = new Cli().run("restore", "--dry-run", file.toString(), "--url", db.url());
    assertThat(dry.out()).contains("is deferred to the end of the load");
    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void withoutDisableTriggersTheyFireAsForTheAppsRows() throws Exception {
    TestDatabase db = shapes();
    Path file = dir.resolve("t.sql");
    assertThat(backup(db, file, "tenants: id = 1").exitCode()).isZero();
    db.exec(DELETE_TENANT_1);
    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Triggers that fired").contains("tenants_counted");
    // two tenants counted when the fixture was loaded, and the one put back
    assertThat(db.queryLong("SELECT n FROM tenant_count")).isEqualTo(3);
    assertThat(db.queryLong("SELECT count(*) FROM notes WHERE city_id = 1")).isEqualTo(1);
  }

  @Test
  void aKeyTakenSinceRefusesNamingTheTableAndKeyAndChangesNothing() throws Exception {
    TestDatabase db = shapes();
    Path file = dir.resolve("t.sql.gz");
    assertThat(backup(db, file, "tenants: id = 1").exitCode()).isZero();
    db.exec(DELETE_TENANT_1);
    db.exec("INSERT INTO tenants VALUES (1, 'someone new')");
    Map<String, List<String>> now = db.snapshot();

    Cli.Result dry = new Cli().run("restore", "--dry-run", file.toString(), "--url", db.url());
    assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(3);
    assertThat(dry.out()).contains("public.tenants already holds a row with id = 1");
    Cli.Result json =
        new Cli().run("restore", "--dry-run", file.toString(), "--url", db.url(), "--json");
    assertThat(json.exitCode()).as(json.toString()).isEqualTo(3);
    assertThat(json.out())
        .contains("\"wouldRestore\" : false")
        .contains("\"live\"")
        .contains("\"triggers\" : [ \"public.tenants: tenants_counted (bump, on INSERT)\" ]");

    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.err())
        .contains("public.tenants already holds a row with id = 1")
        .contains("Nothing was changed");
    assertThat(db.snapshot()).isEqualTo(now);
  }

  @Test
  void anUpdatedRowGoneSinceIsReportedAndTheRestGoesBack() throws Exception {
    TestDatabase db = shapes();
    Path file = dir.resolve("t.sql");
    assertThat(backup(db, file, "tenants: id = 1").exitCode()).isZero();
    db.exec(DELETE_TENANT_1);
    int gone = (int) db.queryLong("SELECT id FROM notes WHERE body = 'fakeburg'");
    db.exec("DELETE FROM notes WHERE body = 'fakeburg'");
    Cli.Result r = RoundTrips.restore(db, file, "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("\"gone\" : 1").contains("id = " + gone);
    assertThat(db.queryLong("SELECT count(*) FROM notes WHERE city_id = 1")).isEqualTo(1);
  }

  @Test
  void aColumnTheAppChangedSinceTheResetKeepsTheAppsValue() throws Exception {
    TestDatabase db = shapes();
    // links point at two cities through two SET NULL keys: link 1 at a deleted city and a kept
    // one (the reset nulls a_city only), link 2 at two deleted cities (it nulls both)
    db.exec(
        "INSERT INTO cities (id, country_id, name) VALUES (5, 2, 'Realburg')",
        "CREATE TABLE links (id int PRIMARY KEY,"
            + " a_city int REFERENCES cities ON DELETE SET NULL,"
            + " b_city int REFERENCES cities ON DELETE SET NULL)",
        "INSERT INTO links VALUES (1, 1, 3), (2, 2, 4)");
    Path file = dir.resolve("t.sql");
    assertThat(backup(db, file, "tenants: id = 1").exitCode()).isZero();
    db.exec(DELETE_TENANT_1);
    assertThat(db.queryStrings("SELECT format('%s %s %s', id, a_city, b_city) FROM links"))
        .containsExactlyInAnyOrder("1  3", "2  ");
    int moved = (int) db.queryLong("SELECT id FROM notes WHERE body = 'fakeburg'");
    // the app, since the reset: moves a nulled note to a kept city, nulls a column of link 1 that
    // the reset did not change, and points link 2's nulled b_city at a kept city
    db.exec(
        "UPDATE notes SET city_id = 3 WHERE id = " + moved,
        "UPDATE links SET b_city = NULL WHERE id = 1",
        "UPDATE links SET b_city = 5 WHERE id = 2");
    Map<String, List<String>> beforeRestore = db.snapshot();

    Cli.Result dry = new Cli().run("restore", "--dry-run", file.toString(), "--url", db.url());
    assertThat(dry.exitCode()).as(dry.toString()).isZero();
    assertThat(dry.out())
        .contains(
            "public.notes: put back city_id of 2 rows; 1 row where the app has changed"
                + " city_id since the reset: to be left as the app wrote it (id = "
                + moved
                + ")")
        .contains(
            "public.links: put back a_city, b_city of 2 rows; 1 row where the app has"
                + " changed one of a_city, b_city since the reset: to be left as the app wrote it"
                + " (id = 2)");
    assertThat(db.snapshot()).isEqualTo(beforeRestore);

    Cli.Result r = RoundTrips.restore(db, file, "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("\"changed\" : 1").contains("\"changedKeys\" : [ \"id = 2\" ]");
    // the app's values stay; what the reset changed and nobody since goes back
    assertThat(db.queryStrings("SELECT format('%s %s', body, city_id) FROM notes"))
        .containsExactlyInAnyOrder("about testville 1", "about realton 3", "fakeburg 3", "none ");
    assertThat(db.queryStrings("SELECT format('%s %s %s', id, a_city, b_city) FROM links"))
        .containsExactlyInAnyOrder("1 1 ", "2 2 5");
    assertThat(db.queryLong("SELECT mentor_id FROM employees WHERE id = 5")).isEqualTo(2);
  }

  @Test
  void partitionedTablesGoBackIntoTheirPartitions() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE orgs (id int PRIMARY KEY)",
        "CREATE TABLE events (org_id int NOT NULL REFERENCES orgs, n int NOT NULL,"
            + " PRIMARY KEY (org_id, n)) PARTITION BY LIST (org_id)",
        "CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1)",
        "CREATE TABLE events_rest PARTITION OF events DEFAULT",
        "CREATE TABLE marks (id int PRIMARY KEY, org_id int, n int,"
            + " FOREIGN KEY (org_id, n) REFERENCES events ON DELETE SET NULL)",
        "INSERT INTO orgs VALUES (1), (2)",
        "INSERT INTO events SELECT o, n FROM generate_series(1, 2) o, generate_series(1, 5) n",
        "INSERT INTO marks VALUES (1, 1, 3), (2, 2, 3)");
    Map<String, List<String>> before = db.snapshot();
    Path file = dir.resolve("orgs.sql");
    Cli.Result b = backup(db, file, "orgs: id = 1");
    assertThat(b.exitCode()).as(b.toString()).isZero();
    db.exec("DELETE FROM events WHERE org_id = 1", "DELETE FROM orgs WHERE id = 1");
    assertThat(db.queryLong("SELECT count(*) FROM marks WHERE org_id IS NULL")).isEqualTo(1);
    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.queryLong("SELECT count(*) FROM events_1")).isEqualTo(5);
  }

  @Test
  void withoutItsManifestASubsetBackupIsRefused() throws Exception {
    TestDatabase db = shapes();
    Path file = dir.resolve("t.sql");
    assertThat(backup(db, file, "tenants: id = 1").exitCode()).isZero();
    db.exec(DELETE_TENANT_1);
    Map<String, List<String>> now = db.snapshot();
    Files.delete(ManifestFile.pathFor(file));
    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("is a subset backup and its manifest");
    assertThat(db.snapshot()).isEqualTo(now);
  }

  @Test
  void aTableLockedByAnotherSessionBeyondTheLockTimeoutFailsChangingNothing() throws Exception {
    // SHARE: the app's readers go on, inserts wait
    heldBeyondTheLockTimeoutChangesNothing(
        "LOCK TABLE cities IN SHARE MODE",
        List.of(),
        pid ->
            List.of(
                "Could not put the deleted rows of public.cities back within 1s: waited for pid "
                    + pid
                    + " ",
                "application 'the-app'"));
  }

  /**
   * The app inserts a row with the key of a deleted row and has not committed yet: the restore's
   * insert waits for it (the unique index cannot tell yet whether the key is taken) at most the
   * lock timeout, then fails naming the table and the session it waited for, and changes nothing.
   */
  @Test
  void aKeyTheAppIsInsertingRightNowFailsWithinTheLockTimeoutNamingTheSession() throws Exception {
    heldBeyondTheLockTimeoutChangesNothing(
        "INSERT INTO tenants VALUES (1, 'someone new')",
        List.of(),
        pid ->
            List.of(
                "Could not put the deleted rows of public.tenants back within 1s: waited for pid "
                    + pid
                    + " ",
                "application 'the-app'"));
  }

  /**
   * With --disable-triggers the restore needs SHARE ROW EXCLUSIVE on the tables whose triggers it
   * switches off: a session writing one of them holds it off; the attempts give up within the lock
   * timeout naming that session, and nothing changes.
   */
  @Test
  void disablingTriggersOnATableTheAppIsWritingGivesUpInAttemptsNamingTheSession()
      throws Exception {
    heldBeyondTheLockTimeoutChangesNothing(
        "UPDATE tenants SET name = name WHERE id = 2",
        List.of("--disable-triggers"),
        pid ->
            List.of(
                "Could not lock the 1 table whose triggers --disable-triggers switches off in SHARE"
                    + " ROW EXCLUSIVE mode within 1s (",
                " attempts): blocked by pid " + pid + " on public.tenants"));
  }

  /**
   * The app runs {@code hold} and keeps its transaction open while tenant 1 is restored (with
   * {@code extra} options, {@code --lock-timeout 1s}): the restore gives up (exit 1) saying what
   * {@code expected} says of the app's session (given its pid), and nothing changed.
   */
  private void heldBeyondTheLockTimeoutChangesNothing(
      String hold, List<String> extra, IntFunction<List<String>> expected) throws Exception {
    TestDatabase db = shapes();
    Path file = dir.resolve("t.sql");
    assertThat(backup(db, file, "tenants: id = 1").exitCode()).isZero();
    db.exec(DELETE_TENANT_1);
    Map<String, List<String>> now = db.snapshot();
    try (Connection holder = db.holding("the-app", hold)) {
      int pid = holder.unwrap(PGConnection.class).getBackendPID();
      List<String> args = new java.util.ArrayList<>(extra);
      args.addAll(List.of("--lock-timeout", "1s"));
      long start = System.nanoTime();
      Cli.Result r = RoundTrips.restore(db, file, args.toArray(String[]::new));
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(8000);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).contains(expected.apply(pid)).contains("Nothing was changed");
      holder.rollback();
    }
    assertThat(db.snapshot()).isEqualTo(now);
  }

  @Test
  void backupToAFullDiskFailsClearlyAndLeavesNothing() {
    TestDatabase db = shapes();
    Cli.Result r = backup(db, Path.of("/dev/full"), "tenants: id = 1");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("No space left on device").doesNotContain("Exception");
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(Files.exists(Path.of("/dev/full.manifest.json"))).isFalse();
  }

  @Test
  void aKilledRestoreConnectionChangesNothing() throws Exception {
    TestDatabase db = shapes();
    Path file = dir.resolve("t.sql");
    assertThat(backup(db, file, "tenants: id = 1").exitCode()).isZero();
    db.exec(DELETE_TENANT_1);
    Map<String, List<String>> now = db.snapshot();
    AtomicBoolean cut = new AtomicBoolean();
    BackupProgress killer =
        new BackupProgress() {
          @Override
          public void copied(TableName table, long rows, long bytes) {}

          @Override
          public void phase(String description) {
            // the deleted rows are in, not yet committed
            if (description.equals("putting back the updated columns")
                && cut.compareAndSet(false, true)) {
              db.exec(
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      + " WHERE application_name = 'prod-data-reset'"
                      + " AND datname = current_database()");
            }
          }
        };
    try (Connection c = new Connector(TargetParser.parse(db.url())).open()) {
      assertThatThrownBy(
              () ->
                  Restorer.restore(
                      c,
                      Restorer.inspect(file),
                      new RestoreOptions(null, Duration.ofSeconds(5), killer)))
          .isInstanceOfSatisfying(
              ExitException.class,
              e -> {
                assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
                assertThat(e.getMessage()).contains("Nothing was changed");
              });
    }
    assertThat(cut).isTrue();
    assertThat(db.snapshot()).isEqualTo(now);
  }

  /**
   * Deletes the closure of {@code where} as a subset reset does: its own key set, the delete
   * entries children first (the database's SET NULL keys update the other rows).
   */
  static void deleteClosure(TestDatabase db, String where) throws Exception {
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      Catalog catalog = CatalogReader.read(c, List.of("public"));
      KeyDetails keys = KeyDetails.read(c);
      RowSelection selection = RowSelection.resolve(catalog, keys, List.of(where), List.of(), null);
      RowClosure.Result closure = RowClosure.fill(c, catalog, keys, selection);
      List<SubsetEntry> entries = SubsetEntries.of(c, catalog, keys, selection, closure);
      try (Statement st = c.createStatement()) {
        for (int i = entries.size() - 1; i >= 0; i--) {
          SubsetEntry e = entries.get(i);
          if (e.deletes()) {
            st.executeUpdate(
                "DELETE FROM "
                    + e.table().sqlOwnRows()
                    + " WHERE "
                    + closure.rowsCondition(e.table().name(), true));
          }
        }
      }
      c.commit();
    }
  }

  @Test
  void pmAgentOneProjectRoundTrip() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    // another project's entities point at project 1's epics (SET NULL); a review_queue row of
    // project 2 points at project 1's notes (NO ACTION): deleted with them
    db.exec(
        "UPDATE entities SET epic_id = (SELECT min(id) FROM epics WHERE project_id = 1)"
            + " WHERE id IN (SELECT id FROM entities WHERE project_id = 2 ORDER BY id LIMIT 5)",
        "INSERT INTO review_queue (entity_id, raw_note_id, reason)"
            + " SELECT (SELECT min(id) FROM entities WHERE project_id = 2), min(id), 'cross'"
            + " FROM raw_notes WHERE project_id = 1");
    roundTrip(db, "projects: id = 1");
  }

  /**
   * The app goes on writing and reading while the rows go back: its inserts into the same tables
   * (another project's rows) commit during the restore, none fails (the app's lock timeout is 200
   * ms), the restore's session holds no table lock stronger than ROW EXCLUSIVE (looked at all
   * along), every write of the app is there afterwards, and the rest of every table is as it was
   * before the reset.
   */
  @Test
  void theAppWritesTheSameTablesWhileTheRowsGoBack() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    Map<String, List<String>> before = db.snapshot();
    Path file = dir.resolve("subset.sql.gz");
    assertThat(backup(db, file, "projects: id = 1").exitCode()).isZero();
    deleteClosure(db, "projects: id = 1");

    AtomicBoolean stop = new AtomicBoolean();
    List<Long> committedAt = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    List<String> written = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    List<Throwable> failures = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    Thread app =
        new Thread(
            () -> {
              try (Connection c = db.connect();
                  Statement st = c.createStatement()) {
                // a lock of the restore that the app's writes wait for fails them
                st.execute("SET lock_timeout = '200ms'");
                for (int n = 0; !stop.get(); n++) {
                  st.executeUpdate(
                      "INSERT INTO projects (owner_id, name) SELECT owner_id, 'app-"
                          + n
                          + "'"
                          + " FROM projects WHERE id = 2");
                  st.executeUpdate(
                      "INSERT INTO tags (project_id, name) VALUES (2, 'app-tag-" + n + "')");
                  st.executeQuery("SELECT count(*) FROM entities WHERE project_id = 1").close();
                  written.add("app-" + n);
                  committedAt.add(System.nanoTime());
                }
              } catch (Throwable e) {
                failures.add(e);
              }
            });
    app.start();
    while (committedAt.isEmpty() && failures.isEmpty()) {
      Thread.sleep(5);
    }
    // the table locks the restore's session holds or waits for, as often as they can be looked at
    java.util.Set<String> locks = java.util.concurrent.ConcurrentHashMap.newKeySet();
    AtomicBoolean restored = new AtomicBoolean();
    Thread watcher =
        new Thread(
            () -> {
              try (Connection c = db.connect()) {
                while (!restored.get()) {
                  locks.addAll(TestDatabase.toolTableLocks(c));
                }
              } catch (Throwable e) {
                failures.add(e);
              }
            });
    watcher.start();
    long start = System.nanoTime();
    Cli.Result r = RoundTrips.restore(db, file);
    long end = System.nanoTime();
    restored.set(true);
    stop.set(true);
    app.join();
    watcher.join();

    assertThat(failures).isEmpty();
    // seen: ROW EXCLUSIVE on the tables it inserts into, none that blocks the app's writes
    assertThat(locks).anyMatch(l -> l.endsWith(" RowExclusiveLock"));
    assertThat(locks)
        .allMatch(
            l ->
                l.endsWith(" AccessShareLock")
                    || l.endsWith(" RowShareLock")
                    || l.endsWith(" RowExclusiveLock"));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    // no lock of the restore held the app's writes to other rows until its commit
    assertThat(committedAt.stream().filter(t -> t > start && t < end)).isNotEmpty();
    assertThat(db.queryStrings("SELECT name FROM projects WHERE name LIKE 'app-%'"))
        .containsExactlyInAnyOrderElementsOf(written);
    assertThat(db.queryLong("SELECT count(*) FROM tags WHERE name LIKE 'app-tag-%'"))
        .isEqualTo(written.size());
    Map<String, List<String>> now = db.snapshot();
    now.replaceAll((t, rows) -> rows.stream().filter(row -> !row.contains("app-")).toList());
    assertThat(now).isEqualTo(before);
  }

  @Test
  void pagilaOneCustomerRoundTrip() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPagila();
    roundTrip(db, "customer: customer_id = 7");
  }

  private void roundTrip(TestDatabase db, String where) throws Exception {
    Map<String, List<String>> before = db.snapshot();
    Map<String, String> sequences = db.sequences();
    Path file = dir.resolve("subset.sql.gz");
    Cli.Result b = backup(db, file, where);
    assertThat(b.exitCode()).as(b.toString()).isZero();
    deleteClosure(db, where);
    assertThat(db.snapshot()).isNotEqualTo(before);
    Cli.Result r = RoundTrips.restore(db, file, "--disable-triggers");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.sequences()).isEqualTo(sequences);
  }
}

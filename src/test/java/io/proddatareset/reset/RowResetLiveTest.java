package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.plan.RowClosure;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * The row reset while the app is live: other rows stay writable throughout, a row held by another
 * session makes it give up within {@code --lock-timeout} naming that session, a killed connection
 * changes nothing, and rows added meanwhile through an undeclared reference are reported.
 */
class RowResetLiveTest {

  static RowReset reset(TestDatabase db, Duration lockTimeout, ResetService.Listener listener) {
    return new RowReset(
        RowResetTest.connector(db),
        RowResetTest.noBackup(lockTimeout),
        listener,
        BackupProgress.NONE,
        LockAttempts.Tuning.DEFAULT);
  }

  /**
   * A row reset whose lock attempts last 5 s each: longer than the app holds its row in the tests
   * that let it go while an attempt waits for it.
   */
  static RowReset longAttempts(TestDatabase db, ResetOptions options) {
    return new RowReset(
        RowResetTest.connector(db),
        options,
        ResetService.Listener.NONE,
        BackupProgress.NONE,
        new LockAttempts.Tuning(
            Duration.ofSeconds(5), Duration.ofMillis(50), Duration.ofMillis(50)));
  }

  /** Runs {@code sql} on {@code c}, returning how long it took, in milliseconds. */
  static long timed(Connection c, String sql) throws SQLException {
    long start = System.nanoTime();
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void theAppWritesOtherRowsOfTheSameTablesWhileTheRowsGoAndCannotTouchTheLockedOnes()
      throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    long otherEntities = db.queryLong("SELECT count(*) FROM entities WHERE project_id <> 1");
    AtomicLong longest = new AtomicLong();
    List<String> lockedOut = new ArrayList<>();
    java.util.Set<String> modes = new java.util.TreeSet<>();
    try (Connection app = db.connect()) {
      try (Statement st = app.createStatement()) {
        st.execute("SET statement_timeout = '10s'");
      }
      ResetService.Listener atEveryStep =
          step -> {
            if (!step.startsWith("Deleting") && !step.startsWith("Checking")) {
              return;
            }
            // the rows are locked here (and, at the check, deleted but not committed): the app
            // writes other rows of the same tables, and waits for none of it
            try {
              for (String sql :
                  List.of(
                      "INSERT INTO tags (project_id, name) VALUES (2, 'during "
                          + step.length()
                          + "')",
                      "UPDATE entities SET title = title || '.' WHERE id = (SELECT min(id) FROM"
                          + " entities WHERE project_id = 2)",
                      "DELETE FROM review_queue WHERE id = (SELECT min(r.id) FROM review_queue r"
                          + " JOIN entities e ON e.id = r.entity_id WHERE e.project_id = 3)",
                      "INSERT INTO projects (name, owner_id) SELECT 'new', owner_id FROM projects"
                          + " WHERE id = 2")) {
                longest.accumulateAndGet(timed(app, sql), Math::max);
              }
              // the reset holds no table lock stronger than the app's own writes take
              for (String lock : TestDatabase.toolTableLocks(app)) {
                modes.add(lock.substring(lock.lastIndexOf(' ') + 1));
              }
              // a row of the closure is locked: an app update of it waits, and gives up here
              try (Statement st = app.createStatement()) {
                st.execute("SET lock_timeout = '300ms'");
                try {
                  st.execute("UPDATE entities SET title = 'x' WHERE project_id = 1");
                } catch (SQLException e) {
                  lockedOut.add(e.getSQLState());
                }
                // nor a row of a leaf of the closure (nothing references entity_events: its
                // rows are locked by their own count, not put in the key set)
                try {
                  st.execute(
                      "UPDATE entity_events SET event_type = 'x' WHERE entity_id IN (SELECT id"
                          + " FROM entities WHERE project_id = 1)");
                } catch (SQLException e) {
                  lockedOut.add(e.getSQLState());
                }
                // nor can a child be added to a locked row (its key check waits for the lock)
                try {
                  st.execute(
                      "INSERT INTO entity_events (entity_id, event_type) SELECT min(id), 'late'"
                          + " FROM entities WHERE project_id = 1");
                } catch (SQLException e) {
                  lockedOut.add(e.getSQLState());
                }
                st.execute("SET lock_timeout = 0");
              }
            } catch (SQLException e) {
              throw new IllegalStateException(e);
            }
          };

      RowResetResult result =
          reset(db, Duration.ofSeconds(5), atEveryStep)
              .run(RowResetTest.subset(db, "projects: id = 1"));

      assertThat(result.rowsDeleted()).isPositive();
    }
    assertThat(longest.get()).as("the app's longest wait, ms").isLessThan(1000);
    assertThat(lockedOut).containsExactly("55P03", "55P03", "55P03", "55P03", "55P03", "55P03");
    assertThat(modes)
        .contains("RowExclusiveLock")
        .isSubsetOf("AccessShareLock", "RowShareLock", "RowExclusiveLock");
    assertThat(db.queryLong("SELECT count(*) FROM entities WHERE project_id = 1")).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM entities WHERE project_id <> 1"))
        .isEqualTo(otherEntities);
    assertThat(db.queryLong("SELECT count(*) FROM tags WHERE name LIKE 'during%'")).isEqualTo(2);
    assertThat(db.queryLong("SELECT count(*) FROM projects WHERE name = 'new'")).isEqualTo(2);
  }

  /**
   * A round whose closure is not stable lets go of its row locks: here the selection moves from
   * project 1 to project 2 between rounds (as when the app changes what a condition reads), and
   * once the closure is stable project 1's rows are free for the app again, project 2's are held.
   */
  @Test
  void aRoundThatIsNotStableLetsGoOfItsRowLocks() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    List<io.proddatareset.plan.RowSelection> selections =
        List.of(
            RowResetTest.subset(db, "projects: id = 1").subset().selection(),
            RowResetTest.subset(db, "projects: id = 2").subset().selection());
    try (Connection t = db.connect();
        Connection app = db.connect()) {
      t.setAutoCommit(false);
      io.proddatareset.catalog.Catalog catalog =
          io.proddatareset.catalog.CatalogReader.read(t, List.of("public"));
      io.proddatareset.catalog.KeyDetails keys = io.proddatareset.catalog.KeyDetails.read(t);
      int[] round = {0};
      RowLocks.Stable stable =
          RowLocks.lockUntilStable(
              t,
              t.unwrap(PGConnection.class).getBackendPID(),
              db::connect,
              catalog,
              keys,
              locking ->
                  io.proddatareset.plan.RowClosure.fill(
                      t, catalog, keys, selections.get(Math.min(round[0]++, 1)), locking),
              closure -> round[0] > 1,
              Duration.ofSeconds(5),
              LockAttempts.Tuning.DEFAULT);

      assertThat(stable.rounds()).isEqualTo(2);
      try (Statement st = app.createStatement()) {
        st.execute("SET lock_timeout = '200ms'");
        // free: the first round's locks went with its savepoint
        st.execute("SELECT id FROM tags WHERE project_id = 1 FOR UPDATE");
        st.execute("SELECT id FROM projects WHERE id = 1 FOR UPDATE");
        // held: the stable round's
        assertThatThrownBy(() -> st.execute("SELECT id FROM projects WHERE id = 2 FOR UPDATE"))
            .isInstanceOfSatisfying(
                SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("55P03"));
      }
      t.rollback();
    }
  }

  /**
   * Rows that keep moving under the attempts make the reset give up within the budget, saying so.
   */
  @Test
  void rowsThatKeepChangingUnderEveryAttemptGiveUpWithinTheBudgetSayingSo() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    try (Connection t = db.connect()) {
      t.setAutoCommit(false);
      io.proddatareset.catalog.Catalog catalog =
          io.proddatareset.catalog.CatalogReader.read(t, List.of("public"));
      io.proddatareset.catalog.KeyDetails keys = io.proddatareset.catalog.KeyDetails.read(t);
      io.proddatareset.catalog.TableName events =
          new io.proddatareset.catalog.TableName("public", "entity_events");
      io.proddatareset.plan.RowSelection selection =
          RowResetTest.subset(db, "projects: id = 1").subset().selection();
      AtomicLong runs = new AtomicLong();
      long start = System.nanoTime();
      assertThatThrownBy(
              () ->
                  RowLocks.lockUntilStable(
                      t,
                      t.unwrap(PGConnection.class).getBackendPID(),
                      db::connect,
                      catalog,
                      keys,
                      locking -> {
                        io.proddatareset.plan.RowClosure.fill(t, catalog, keys, selection, locking);
                        locking.lock(
                            events,
                            "false",
                            () -> {
                              runs.incrementAndGet();
                              throw new RowClosure.Locking.Moved(
                                  "public.entity_events: 1 of 3 rows changed before they could be"
                                      + " locked");
                            });
                        throw new AssertionError("locked");
                      },
                      closure -> true,
                      Duration.ofMillis(600),
                      new LockAttempts.Tuning(
                          Duration.ofMillis(100), Duration.ofMillis(20), Duration.ofMillis(40))))
          .isInstanceOfSatisfying(
              ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.FAILURE))
          .hasMessageContaining("Could not lock the selected rows of public.entity_events")
          .hasMessageContaining("within 600ms")
          .hasMessageContaining("the app kept changing them (public.entity_events: 1 of 3 rows")
          .hasMessageContaining("Nothing was changed");
      assertThat(runs.get()).isGreaterThan(2);
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3000);
      // the transaction is still usable: every attempt went back to its savepoint
      try (Statement st = t.createStatement()) {
        st.execute("SELECT 1");
      }
      t.rollback();
    }
  }

  @Test
  void aRowHeldByAnotherSessionBeyondTheLockTimeoutChangesNothingAndNamesTheHolder()
      throws Exception {
    heldRowChangesNothing(
        "UPDATE tags SET name = name WHERE id = (SELECT max(id) FROM tags WHERE project_id = 1)",
        "public.tags");
  }

  @Test
  void aLeafRowHeldByAnotherSessionBeyondTheLockTimeoutChangesNothingAndNamesTheHolder()
      throws Exception {
    // entity_events is a leaf: nothing references it, its rows are locked by a count of their own
    heldRowChangesNothing(
        "UPDATE entity_events SET event_type = event_type WHERE id = (SELECT max(v.id) FROM"
            + " entity_events v JOIN entities e ON e.id = v.entity_id WHERE e.project_id = 1)",
        "public.entity_events");
  }

  /** The app holds a row of the closure ({@code hold}, in {@code table}) past the lock timeout. */
  private static void heldRowChangesNothing(String hold, String table) throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    try (Connection holder = db.holding("the-app", hold)) {
      int pid = holder.unwrap(PGConnection.class).getBackendPID();
      long start = System.nanoTime();

      assertThatThrownBy(
              () ->
                  reset(db, Duration.ofMillis(1500), ResetService.Listener.NONE)
                      .run(RowResetTest.subset(db, "projects: id = 1")))
          .isInstanceOfSatisfying(
              ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.FAILURE))
          .hasMessageContaining("Could not lock the ")
          .hasMessageContaining("within 1500ms")
          .hasMessageContaining("pid " + pid + " on " + table)
          .hasMessageContaining("application 'the-app'")
          .hasMessageContaining("Nothing was changed");
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5000);
      holder.rollback();
    }
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void aRowLetGoWithinTheLockTimeoutIsLockedOnALaterAttempt() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    // the app changes a row of the closure and commits a little later: it has a new ctid then
    try (Connection holder =
        db.holding(
            "the-app",
            "UPDATE tags SET name = 'changed' WHERE id = (SELECT max(id) FROM tags WHERE"
                + " project_id = 1)")) {
      Thread letGo =
          new Thread(
              () -> {
                try {
                  Thread.sleep(700);
                  holder.commit();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      letGo.start();
      RowResetResult result =
          reset(db, Duration.ofSeconds(10), ResetService.Listener.NONE)
              .run(RowResetTest.subset(db, "projects: id = 1"));
      letGo.join();
      assertThat(result.lockAttempts()).isGreaterThan(1);
      // the changed row is locked, and deleted, in its newest version, in the same computation
      assertThat(result.rounds()).isEqualTo(1);
    }
    assertThat(db.queryLong("SELECT count(*) FROM tags WHERE project_id = 1")).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM tags WHERE name = 'changed'")).isZero();
  }

  /**
   * A thread that commits {@code holder}'s transaction once another session of {@code db} waits for
   * a lock (the reset, waiting for the row the holder changed), and a moment later.
   */
  static Thread commitWhenWaited(TestDatabase db, Connection holder) {
    return new Thread(
        () -> {
          try (Connection look = db.connect()) {
            lockWaiter(look);
            Thread.sleep(100);
            holder.commit();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /**
   * Waits (10 s at most) until a session of {@code look}'s database waits for a lock, and returns
   * its pid (0 if none did).
   */
  static int lockWaiter(Connection look) throws SQLException, InterruptedException {
    try (Statement st = look.createStatement()) {
      for (int n = 0; n < 200; n++) {
        try (ResultSet rs =
            st.executeQuery(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    + " AND datname = current_database() LIMIT 1")) {
          if (rs.next()) {
            return rs.getInt(1);
          }
        }
        Thread.sleep(50);
      }
    }
    return 0;
  }

  /**
   * A leaf's rows are locked by their addresses; a row the app updates and commits while the
   * reset's attempt waits for it has a new address then, which that statement skips (PostgreSQL
   * re-checks a locked row's new version against the addresses). The attempt sees fewer rows locked
   * than it looked for, and tries again: the new version is locked, deleted and backed up.
   */
  @Test
  void aLeafRowTheAppUpdatesAndCommitsWhileTheLockWaitsIsLockedInItsNewVersion() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    long events =
        db.queryLong(
            "SELECT count(*) FROM entity_events v JOIN entities e ON e.id = v.entity_id"
                + " WHERE e.project_id = 1");
    Path backup = Files.createTempDirectory("pdr-leaf").resolve("b.sql");
    try (Connection holder =
        db.holding(
            "the-app",
            "UPDATE entity_events SET event_type = 'changed' WHERE id = (SELECT max(v.id) FROM"
                + " entity_events v JOIN entities e ON e.id = v.entity_id WHERE e.project_id = 1)")) {
      ResetPlan plan = RowResetTest.subset(db, "projects: id = 1");
      Thread letGo = commitWhenWaited(db, holder);
      // an attempt (5 s) outlasts the app's hold: the app commits while the attempt waits
      RowReset reset =
          longAttempts(
              db,
              new ResetOptions(
                  backup,
                  null,
                  Duration.ofSeconds(20),
                  Duration.ofSeconds(60),
                  false,
                  TableFingerprint.Mode.HASH,
                  1,
                  6));
      letGo.start();
      RowResetResult result = reset.run(plan);
      letGo.join();
      assertThat(
              result.closure().tables().stream()
                  .filter(r -> r.table().display().equals("public.entity_events"))
                  .mapToLong(RowClosure.Reached::deleteRows)
                  .sum())
          .isEqualTo(events);
    }
    assertThat(db.queryLong("SELECT count(*) FROM entity_events WHERE event_type = 'changed'"))
        .isZero();
    // the backup holds the version the app committed
    assertThat(Files.readString(backup)).contains("\tchanged\t");
  }

  /**
   * The app moves a selected row to another partition (it updates the partition key) and commits
   * while the reset's lock waits for it: PostgreSQL then refuses that lock, the row being no longer
   * where the statement found it (a serialization failure, even under READ COMMITTED). The attempt
   * goes back to its savepoint and runs again, and finds the row in its new partition. (A row
   * reached through a declared key cannot move so: its new version's key check waits for the
   * parent's lock.)
   */
  @Test
  void aRowTheAppMovesToAnotherPartitionWhileTheLockWaitsIsLockedWhereItWentTo() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE events (id int, region text, tenant_id int NOT NULL,"
            + " PRIMARY KEY (id, region)) PARTITION BY LIST (region)",
        "CREATE TABLE events_a PARTITION OF events FOR VALUES IN ('a')",
        "CREATE TABLE events_b PARTITION OF events FOR VALUES IN ('b')",
        // tenant 1's events are the even ones, all in region a
        "INSERT INTO events SELECT g, CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END, 1 + g % 2"
            + " FROM generate_series(1, 40) g");
    ResetPlan plan = RowResetTest.subset(db, "events: tenant_id = 1");
    try (Connection holder = db.holding("the-app", "UPDATE events SET region = 'b' WHERE id = 2")) {
      Thread letGo = commitWhenWaited(db, holder);
      RowReset reset = longAttempts(db, RowResetTest.noBackup(Duration.ofSeconds(20)));
      letGo.start();
      RowResetResult result = reset.run(plan);
      letGo.join();
      // it waited for the app's commit, then tried again
      assertThat(result.lockWaited()).isGreaterThan(Duration.ofMillis(100));
      assertThat(result.closure().tables().get(0).deleteRows()).isEqualTo(20);
    }
    assertThat(db.queryLong("SELECT count(*) FROM events WHERE tenant_id = 1")).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM events")).isEqualTo(20);
  }

  /**
   * The reset's session is terminated while its lock of the selected rows waits: it says the
   * session ended and nothing changed (exit 1), not that the condition is wrong (it is not).
   */
  @Test
  void theConnectionTerminatedWhileTheSelectionsLockWaitsIsNotBlamedOnTheCondition()
      throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    ResetPlan plan = RowResetTest.subset(db, "projects: id = 1");
    try (Connection holder = db.holding("the-app", "UPDATE projects SET name = name WHERE id = 1");
        Connection killer = db.connect()) {
      Thread kill =
          new Thread(
              () -> {
                try (Statement st = killer.createStatement()) {
                  // the reset, waiting for the holder's row
                  int waiting = lockWaiter(killer);
                  if (waiting != 0) {
                    st.execute("SELECT pg_terminate_backend(" + waiting + ")");
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      RowReset reset = longAttempts(db, RowResetTest.noBackup(Duration.ofSeconds(20)));
      kill.start();
      assertThatThrownBy(() -> reset.run(plan))
          .isInstanceOfSatisfying(
              ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.FAILURE))
          .hasMessageContaining("Nothing was changed")
          .hasMessageNotContaining("--where condition");
      kill.join();
      holder.rollback();
    }
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void theConnectionTerminatedMidDeleteChangesNothing() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    // the delete of the projects (the last, the parents) takes its time
    db.exec(
        "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN PERFORM pg_sleep(5); RETURN NULL; END $$",
        "CREATE TRIGGER slow BEFORE DELETE ON projects FOR EACH STATEMENT EXECUTE FUNCTION slow()");
    Map<String, List<String>> before = db.snapshot();
    AtomicBoolean killed = new AtomicBoolean();
    Thread killer =
        ResetFaultsTest.killWhen(
            db, "WITH %DELETE FROM ONLY \"public\".\"projects\" d %", false, killed);
    RowReset reset = reset(db, Duration.ofSeconds(5), ResetService.Listener.NONE);
    try {
      assertThatThrownBy(() -> reset.run(RowResetTest.subset(db, "projects: id = 1")))
          .isInstanceOfSatisfying(
              ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.FAILURE))
          .hasMessageContaining("The server ended the session")
          .hasMessageContaining("Nothing was changed.");
    } finally {
      killed.set(true);
      killer.join();
    }
    assertThat(reset.step().description()).isEqualTo("deleting the selected rows");
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void rowsAddedMeanwhileThroughAnUndeclaredReferenceAreReported() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE tenants (id bigint PRIMARY KEY, name text)",
        "CREATE TABLE users (id bigint PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES"
            + " tenants(id) ON DELETE CASCADE)",
        "CREATE TABLE invoices (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, amount int)",
        "INSERT INTO tenants SELECT g, 't' || g FROM generate_series(1, 3) g",
        "INSERT INTO users SELECT g, 1 + g % 3 FROM generate_series(1, 30) g",
        "INSERT INTO invoices SELECT g, 1 + g % 3, g FROM generate_series(1, 30) g");
    List<String> steps = new ArrayList<>();
    ResetService.Listener appInserts =
        step -> {
          steps.add(step);
          if (step.startsWith("Deleting")) {
            // no key: the server holds nothing off, the reset learns of it before the commit
            db.exec("INSERT INTO invoices VALUES (1000, 2, 1), (1001, 2, 1), (1002, 3, 1)");
          }
        };

    RowResetResult result =
        reset(db, Duration.ofSeconds(5), appInserts)
            .run(
                RowResetTest.subset(
                    db, List.of("tenants: id = 2"), List.of(), "tenant_id", List.of()));

    assertThat(result.addedSince())
        .containsExactly(
            Map.entry(
                "public.invoices(tenant_id) -> public.tenants(id) (virtual, --tenant-key"
                    + " tenant_id)",
                2L));
    assertThat(db.queryLong("SELECT count(*) FROM invoices WHERE tenant_id = 2")).isEqualTo(2);
    assertThat(steps)
        .contains(
            "Note: 2 rows written during the reset through public.invoices(tenant_id) ->"
                + " public.tenants(id) (virtual, --tenant-key tenant_id) point at deleted rows (row"
                + " locks cannot hold such rows off); they are left as they are");
    assertThat(db.queryLong("SELECT count(*) FROM users WHERE tenant_id = 2")).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM invoices")).isEqualTo(23);
  }

  @Test
  void anInterruptWhileDeletingRollsBackAndSaysSo() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    RowReset[] reset = new RowReset[1];
    reset[0] =
        reset(
            db,
            Duration.ofSeconds(5),
            step -> {
              if (step.startsWith("Deleting")) {
                reset[0].interrupt(); // Ctrl-C, from the signal handler's thread in real life
              }
            });

    assertThatThrownBy(() -> reset[0].run(RowResetTest.subset(db, "projects: id = 1")))
        .isInstanceOfSatisfying(
            ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.INTERRUPTED))
        .hasMessage(
            "Interrupted while deleting the selected rows: rolled back, nothing was changed.");
    assertThat(db.snapshot()).isEqualTo(before);
  }
}

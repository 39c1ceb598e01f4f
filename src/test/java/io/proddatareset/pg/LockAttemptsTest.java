package io.proddatareset.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/** {@link LockAttempts} and the holders it names, against real sessions holding real locks. */
class LockAttemptsTest {
  static TestDatabase db;
  static final LockAttempts.Tuning FAST =
      new LockAttempts.Tuning(Duration.ofMillis(100), Duration.ofMillis(20), Duration.ofMillis(60));
  static final List<String> TABLES = List.of("public.a", "public.\"B b\"");

  @BeforeAll
  static void setUp() {
    db = TestPostgres.freshDatabase("lock_attempts");
    db.exec(
        "CREATE TABLE a (id int PRIMARY KEY)",
        "CREATE TABLE \"B b\" (id int)",
        "CREATE TABLE unlocked (id int)",
        "CREATE TABLE \"x, y\" (id int)",
        "CREATE TABLE parted (id int) PARTITION BY RANGE (id)",
        "CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100)",
        "INSERT INTO a SELECT generate_series(1, 100)");
  }

  private static String one(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Without a query: a holder's last query is part of what is checked. */
  private static int pid(Connection c) throws SQLException {
    return c.unwrap(PGConnection.class).getBackendPID();
  }

  /** A session named {@code app} with an open transaction that ran {@code sql}. */
  private static Connection holding(String app, String sql) throws SQLException {
    Connection c = db.connect();
    try (Statement st = c.createStatement()) {
      st.execute("SET application_name = '" + app + "'");
    }
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
    return c;
  }

  @Test
  void aFreeLockIsTakenAtOnceWithoutASnapshotAndTheLockTimeoutIsPutBack() throws Exception {
    try (Connection c = db.connect();
        Connection other = db.connect()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL lock_timeout = 4321");
      }
      LockAttempts.Taken taken =
          new LockAttempts(db::connect, FAST)
              .lock(
                  c,
                  pid(other),
                  LockAttempts.Mode.SHARE,
                  TABLES,
                  "a and b",
                  Duration.ofSeconds(5),
                  "x");
      assertThat(taken.attempts()).isEqualTo(1);
      assertThat(taken.blockers()).isEmpty();
      // a row committed after the lock is in the snapshot: no statement so far took one
      try (Statement st = other.createStatement()) {
        st.execute("INSERT INTO unlocked VALUES (42)");
      }
      assertThat(one(c, "SELECT count(*) FROM unlocked WHERE id = 42")).isEqualTo("1");
      assertThat(one(c, "SHOW lock_timeout")).isEqualTo("4321ms");
      assertThat(
              one(
                  c,
                  "SELECT string_agg(relation::regclass::text || ' ' || mode, ', '"
                      + " ORDER BY relation::regclass::text COLLATE \"C\")"
                      + " FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'"
                      + " AND relation::regclass::text IN ('a', '\"B b\"')"))
          .isEqualTo("\"B b\" ShareLock, a ShareLock");
      c.rollback();
      try (Statement st = other.createStatement()) {
        st.execute("DELETE FROM unlocked");
      }
    }
  }

  @Test
  void givesUpWithinTheBudgetNamingTheHolderWithItsQueryMasked() throws Exception {
    try (Connection holder =
            holding("the-holder", "SELECT count(*) FROM a WHERE id <> 7 AND 'secret-xyz' <> ''");
        Connection c = db.connect()) {
      int holderPid = pid(holder);
      c.setAutoCommit(false);
      long start = System.nanoTime();
      assertThatThrownBy(
              () ->
                  new LockAttempts(db::connect, FAST)
                      .lock(
                          c,
                          pid(c),
                          LockAttempts.Mode.ACCESS_EXCLUSIVE,
                          TABLES,
                          "the 2 tables",
                          Duration.ofMillis(1200),
                          "Nothing was changed."))
          .isInstanceOf(ExitException.class)
          .satisfies(e -> assertThat(((ExitException) e).status()).isEqualTo(ExitStatus.FAILURE))
          .hasMessageStartingWith("Could not lock the 2 tables in ACCESS EXCLUSIVE mode within")
          .hasMessageContaining(" attempts): blocked by pid " + holderPid + " on public.a (")
          .hasMessageContaining("application 'the-holder', idle in transaction for ")
          .hasMessageContaining("last query started ")
          .hasMessageContaining("s ago: \"SELECT count(*) FROM a WHERE id <> ? AND ? <> ?\"")
          .hasMessageEndingWith("). Nothing was changed.")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-xyz"));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(millis).isBetween(1100L, 2500L);
      // the caller's transaction is usable and holds nothing of the attempts
      assertThat(
              one(
                  c,
                  "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()"
                      + " AND locktype = 'relation' AND mode = 'AccessExclusiveLock'"))
          .isEqualTo("0");
      c.rollback();
      holder.rollback();
    }
  }

  @Test
  void readersWaitAtMostAboutOneAttemptWhileTheAttemptsGoOn() throws Exception {
    try (Connection holder = holding("reader-txn", "SELECT count(*) FROM a");
        Connection c = db.connect();
        Connection reader = db.connect()) {
      c.setAutoCommit(false);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong longest = new AtomicLong();
      CompletableFuture<Void> reads =
          CompletableFuture.runAsync(
              () -> {
                try (PreparedStatement ps =
                    reader.prepareStatement("SELECT id FROM a WHERE id = ?")) {
                  while (!stop.get()) {
                    ps.setInt(1, 5);
                    long t = System.nanoTime();
                    ps.executeQuery().close();
                    longest.accumulateAndGet((System.nanoTime() - t) / 1_000_000, Math::max);
                    Thread.sleep(10);
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      assertThatThrownBy(
              () ->
                  new LockAttempts(db::connect, FAST)
                      .lock(
                          c,
                          pid(c),
                          LockAttempts.Mode.ACCESS_EXCLUSIVE,
                          List.of("public.a"),
                          "a",
                          Duration.ofSeconds(2),
                          "x"))
          .isInstanceOf(ExitException.class);
      stop.set(true);
      reads.get(10, TimeUnit.SECONDS);
      // a plain LOCK with lock_timeout 2s would have held every reader for 2 s
      assertThat(longest.get()).isLessThan(600);
      c.rollback();
      holder.rollback();
    }
  }

  @Test
  void aLockLetGoDuringTheAttemptsIsTakenOnALaterOne() throws Exception {
    Connection holder = holding("brief", "INSERT INTO a VALUES (1000)");
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      CompletableFuture<Void> release =
          CompletableFuture.runAsync(
              () -> {
                try {
                  Thread.sleep(700);
                  holder.rollback();
                  holder.close();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      LockAttempts.Taken taken =
          new LockAttempts(db::connect, FAST)
              .lock(
                  c,
                  pid(c),
                  LockAttempts.Mode.SHARE,
                  List.of("public.a"),
                  "a",
                  Duration.ofSeconds(10),
                  "x");
      release.get(10, TimeUnit.SECONDS);
      assertThat(taken.attempts()).isGreaterThan(1);
      assertThat(taken.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(600));
      assertThat(taken.blockers())
          .singleElement()
          .satisfies(h -> assertThat(h.describe()).contains("application 'brief'"));
      c.rollback();
    }
  }

  @Test
  void holdersOfAPartitionAreHoldersOfItsParentAndCompatibleModesAreNot() throws Exception {
    try (Connection writer =
            holding(
                "part-writer", "INSERT INTO parted_1 VALUES (1); INSERT INTO \"x, y\" VALUES (1)");
        Connection reader = holding("plain-reader", "SELECT count(*) FROM a");
        Connection looker = db.connect()) {
      assertThat(
              LockHolders.holding(
                  looker,
                  List.of("public.parted", "public.a", "public.\"x, y\""),
                  LockAttempts.Mode.SHARE.conflictingLockNames(),
                  0))
          .extracting(h -> h.session().pid() + " " + h.relations())
          .containsExactly(pid(writer) + " [public.\"x, y\", public.parted_1]");
      assertThat(
              LockHolders.holding(
                  looker,
                  List.of("public.parted", "public.a"),
                  LockAttempts.Mode.ACCESS_EXCLUSIVE.conflictingLockNames(),
                  pid(writer)))
          .extracting(h -> h.session().pid() + " " + h.relations())
          .containsExactly(pid(reader) + " [public.a]");
      writer.rollback();
      reader.rollback();
    }
  }

  @Test
  void theModesConflictAsPostgresqlSays() {
    assertThat(LockAttempts.Mode.SHARE.conflictingLockNames())
        .containsExactly(
            "RowExclusiveLock",
            "ShareUpdateExclusiveLock",
            "ShareRowExclusiveLock",
            "ExclusiveLock",
            "AccessExclusiveLock");
    assertThat(LockAttempts.Mode.ACCESS_SHARE.conflictingLockNames())
        .containsExactly("AccessExclusiveLock");
    assertThat(LockAttempts.Mode.ROW_SHARE.conflictingLockNames())
        .containsExactly("ExclusiveLock", "AccessExclusiveLock");
    assertThat(LockAttempts.Mode.ACCESS_EXCLUSIVE.conflictingLockNames()).hasSize(8);
    assertThat(LockAttempts.Mode.SHARE_ROW_EXCLUSIVE.conflictingLockNames())
        .doesNotContain("AccessShareLock", "RowShareLock")
        .hasSize(6);
  }

  @Test
  void pausesAreJitteredAndGrowALittle() {
    LockAttempts.Tuning t = LockAttempts.Tuning.DEFAULT;
    for (int i = 0; i < 200; i++) {
      assertThat(t.pause(1).toMillis()).isBetween(25L, 75L);
      assertThat(t.pause(20).toMillis()).isBetween(125L, 250L);
    }
  }

  @Test
  void aQueryIsShownByItsStartWithEveryValueMasked() {
    assertThat(LockHolders.queryStart("SELECT * FROM users WHERE token = 'secret-xyz' AND n = 42"))
        .isEqualTo("SELECT * FROM users WHERE token = ? AND n = ?");
    assertThat(LockHolders.queryStart("ALTER ROLE app PASSWORD E'p\\'w''d' -- note secret\n"))
        .isEqualTo("ALTER ROLE app PASSWORD ?");
    assertThat(LockHolders.queryStart("SELECT $tag$ secret $tag$, $1, t1.c2 /* a /* secret */ */"))
        .isEqualTo("SELECT ?, $1, t1.c2");
    assertThat(LockHolders.queryStart("SELECT 'unterminated secret")).isEqualTo("SELECT ?");
    assertThat(LockHolders.queryStart("INSERT INTO \"Odd 'name'\"\n\tVALUES (1.5e3, .5, x'1F')"))
        .isEqualTo("INSERT INTO \"Odd 'name'\" VALUES (?, ?, ?)");
    String longQuery = "SELECT " + "a_column, ".repeat(20) + "'secret' FROM t";
    assertThat(LockHolders.queryStart(longQuery))
        .hasSize(LockHolders.QUERY_START_LENGTH + 3)
        .endsWith("...")
        .doesNotContain("secret");
    assertThat(LockHolders.queryStart("<insufficient privilege>")).isNull();
    assertThat(LockHolders.queryStart("  ")).isNull();
  }
}

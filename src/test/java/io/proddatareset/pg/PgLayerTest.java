package io.proddatareset.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PgLayerTest {
  static TestDatabase db;

  @BeforeAll
  static void setUp() throws Exception {
    db = TestPostgres.freshDatabase("pg_layer");
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE t (id int)");
    }
  }

  private static String one(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void aReadOnlySnapshotIsRepeatableReadReadOnlyAndPutsTheConnectionBack() throws Exception {
    try (Connection c = db.connect()) {
      String[] seen =
          Transactions.readOnlySnapshot(
              c,
              conn ->
                  new String[] {
                    one(conn, "SHOW transaction_isolation"), one(conn, "SHOW transaction_read_only")
                  });
      assertThat(seen).containsExactly("repeatable read", "on");
      assertThat(c.getAutoCommit()).isTrue();
      assertThat(c.isReadOnly()).isFalse();
      assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);

      assertThatThrownBy(
              () ->
                  Transactions.readOnlySnapshot(
                      c, conn -> one(conn, "INSERT INTO t VALUES (1) RETURNING id")))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(SqlState.isReadOnlyTransaction((SQLException) e)).isTrue());
      assertThat(c.getAutoCommit()).isTrue();
      assertThat(c.isReadOnly()).isFalse();
      assertThat(one(c, "SELECT count(*) FROM t")).isEqualTo("0");

      c.setAutoCommit(false);
      assertThatThrownBy(() -> Transactions.readOnlySnapshot(c, conn -> 1))
          .isInstanceOf(IllegalStateException.class);
      // the caller's transaction is joined, not ended
      String joined =
          Transactions.inCallersOrReadOnlySnapshot(
              c, conn -> one(conn, "SHOW transaction_read_only"));
      assertThat(joined).isEqualTo("off");
      c.rollback();
    }
  }

  @Test
  void aReadWriteTransactionCommitsWhenTheWorkReturnsAndRollsBackWhenItThrows() throws Exception {
    try (Connection c = db.connect()) {
      Transactions.readWriteSnapshot(
          c,
          conn -> {
            assertThat(one(conn, "SHOW transaction_isolation")).isEqualTo("repeatable read");
            return one(conn, "INSERT INTO t VALUES (7) RETURNING id");
          });
      assertThat(c.getAutoCommit()).isTrue();
      assertThatThrownBy(
              () ->
                  Transactions.readWrite(
                      c,
                      conn -> {
                        one(conn, "INSERT INTO t VALUES (8) RETURNING id");
                        throw new IllegalStateException("boom");
                      }))
          .hasMessage("boom");
      String inserted =
          Transactions.rolledBack(c, conn -> one(conn, "INSERT INTO t VALUES (9) RETURNING id"));
      assertThat(inserted).isEqualTo("9");
      assertThat(c.getAutoCommit()).isTrue();
      assertThat(one(c, "SELECT string_agg(id::text, ',') FROM t WHERE id > 1")).isEqualTo("7");
      try (Statement st = c.createStatement()) {
        st.execute("DELETE FROM t");
      }
    }
  }

  @Test
  void aCommitTheServerRefusesIsACommitFailure() throws Exception {
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS d (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)");
      assertThatThrownBy(
              () ->
                  Transactions.readWrite(
                      c,
                      conn -> {
                        try (Statement s = conn.createStatement()) {
                          s.execute("INSERT INTO d VALUES (1), (1)");
                        }
                        return null;
                      }))
          .isInstanceOf(Transactions.CommitFailed.class);
      assertThat(c.getAutoCommit()).isTrue();
      assertThat(one(c, "SELECT count(*) FROM d")).isEqualTo("0");
    }
  }

  @Test
  void settingsTravelAsBindParametersAndLastForTheTransaction() throws Exception {
    try (Connection c = db.connect()) {
      String[] seen =
          Transactions.rolledBack(
              c,
              conn -> {
                SessionSettings.pinLongTransaction(
                    conn, Duration.ofMillis(1500), "application_name", "it's");
                return new String[] {
                  one(conn, "SHOW lock_timeout"),
                  one(conn, "SHOW statement_timeout"),
                  one(conn, "SHOW idle_in_transaction_session_timeout"),
                  one(conn, "SHOW application_name")
                };
              });
      assertThat(seen).containsExactly("1500ms", "0", "0", "it's");
      assertThat(one(c, "SHOW lock_timeout")).isEqualTo("0");
    }
  }

  @Test
  void literalsAndIdentifiersRoundTripThroughTheServer() throws Exception {
    try (Connection c = db.connect()) {
      for (String s : List.of("plain", "it's", "a''b", "back\\slash", "")) {
        assertThat(one(c, "SELECT " + Identifiers.literal(s))).isEqualTo(s);
      }
      assertThat(one(c, "SELECT 1 AS " + Identifiers.quote("we\"ird"))).isEqualTo("1");
      assertThatThrownBy(() -> Identifiers.literal("a\0b"))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void qualifiedNamesReadAsTypedOrAsSql() {
    assertThat(QualifiedName.parse(" app.\"Audit Log\" "))
        .isEqualTo(new QualifiedName("app", "Audit Log"));
    assertThat(QualifiedName.parse("Genre")).isEqualTo(new QualifiedName(null, "Genre"));
    assertThat(new SqlNames("Public.\"Genre\" (a)", 0).qualifiedName())
        .isEqualTo(new QualifiedName("public", "Genre"));
    assertThat(new SqlNames("\"a\"\"b\"", 0).identifier()).isEqualTo("a\"b");
    assertThatThrownBy(() -> new SqlNames("\"open", 0).identifier())
        .hasMessage("unterminated quoted name");
  }

  @Test
  void serverInfoAndTheSessionsThatBlockAWait() throws Exception {
    try (Connection holder = db.connect();
        Connection waiter = db.connect();
        Connection looker = db.connect()) {
      ServerInfo info = ServerInfo.read(looker);
      assertThat(info.database()).isEqualTo(one(looker, "SELECT current_database()"));
      assertThat(info.versionNum()).isGreaterThanOrEqualTo(130000);
      assertThat(info.inRecovery()).isFalse();
      assertThat(info.systemIdentifier()).isNotBlank();

      try (Statement st = holder.createStatement()) {
        st.execute("SET application_name = 'the-holder'");
      }
      holder.setAutoCommit(false);
      try (Statement st = holder.createStatement()) {
        st.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
      }
      int holderPid = Integer.parseInt(one(holder, "SELECT pg_backend_pid()"));
      int waiterPid = Integer.parseInt(one(waiter, "SELECT pg_backend_pid()"));
      assertThat(LockHolders.holdingAccessExclusive(looker))
          .extracting(LockHolders.RelationLock::describe)
          .contains("pid " + holderPid + " on t");

      waiter.setAutoCommit(false);
      SQLException timedOut;
      try (LockWaitWatcher watcher = new LockWaitWatcher(db::connect, waiterPid)) {
        SessionSettings.pin(waiter, "lock_timeout", "1500ms");
        timedOut =
            org.junit.jupiter.api.Assertions.assertThrows(
                SQLException.class, () -> one(waiter, "SELECT count(*) FROM t"));
        assertThat(watcher.blockers())
            .anySatisfy(
                b ->
                    assertThat(b)
                        .startsWith("pid " + holderPid + " (")
                        .contains("application 'the-holder', idle in transaction for "));
      }
      assertThat(SqlState.isLockTimeout(timedOut)).isTrue();
      waiter.rollback();
      holder.rollback();
    }
  }
}

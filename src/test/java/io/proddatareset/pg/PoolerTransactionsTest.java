package io.proddatareset.pg;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.connect.Connector;
import io.proddatareset.connect.TargetParser;
import io.proddatareset.testing.PgBouncer;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The transactions of {@link Transactions} through a transaction-mode PgBouncer whose server
 * connections are handed out in turn: each statement outside a transaction, and each transaction,
 * may run in another server session.
 */
class PoolerTransactionsTest {
  static TestDatabase db;
  static PgBouncer pooler;
  static Connector connector;

  @BeforeAll
  static void setUp() {
    Assumptions.assumeTrue(PgBouncer.available(), PgBouncer.unavailableReason());
    db = TestPostgres.freshDatabase("pooled_tx");
    db.exec("CREATE TABLE t (id int)", "INSERT INTO t VALUES (1)");
    pooler = PgBouncer.start(PgBouncer.Mode.TRANSACTION);
    pooler.warm(db, 4);
    connector = new Connector(TargetParser.parse(pooler.url(db)));
  }

  @AfterAll
  static void tearDown() {
    if (pooler != null) {
      pooler.close();
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
  void aSnapshotTransactionIsRepeatableReadOnItsServerConnection() throws Exception {
    try (Connection c = connector.open()) {
      for (int i = 0; i < 4; i++) {
        String readOnly =
            Transactions.readOnlySnapshot(
                c,
                conn ->
                    one(conn, "SHOW transaction_isolation")
                        + " "
                        + one(conn, "SHOW transaction_read_only"));
        assertThat(readOnly).isEqualTo("repeatable read on");
        String readWrite =
            Transactions.readWriteSnapshot(c, conn -> one(conn, "SHOW transaction_isolation"));
        assertThat(readWrite).isEqualTo("repeatable read");
      }
    }
  }

  @Test
  void aSecondConnectionImportsTheSnapshotOfTheFirstAsBackupWorkersDo() throws Exception {
    try (Connection main = connector.open();
        Connection worker = connector.open()) {
      String seen =
          Transactions.readOnlySnapshot(
              main,
              m -> {
                String snapshot = one(m, "SELECT pg_export_snapshot()");
                // committed after the snapshot: neither transaction may see it
                db.exec("INSERT INTO t VALUES (2)");
                String mine = one(m, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t");
                String theirs =
                    Transactions.readOnlySnapshot(
                        worker,
                        w -> {
                          try (Statement st = w.createStatement()) {
                            st.execute("SET TRANSACTION SNAPSHOT " + Identifiers.literal(snapshot));
                          }
                          return one(w, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t");
                        });
                return mine + " / " + theirs;
              });
      assertThat(seen).isEqualTo("1 / 1");
    } finally {
      db.exec("DELETE FROM t WHERE id = 2");
    }
  }
}

package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The classification of rows against the backup's snapshot S, with real concurrent sessions: each
 * case is made by a real transaction that S sees or does not see.
 */
class SinceSnapshotTest {

  /** S (the snapshot, kept open), the classifying transaction T, and their result. */
  private static final class Run implements AutoCloseable {
    final TestDatabase db;
    final Connection s;
    final SinceSnapshot.Bounds bounds;
    final List<Table> tables;
    final long backedUp;

    Run(TestDatabase db, String table) throws SQLException {
      this.db = db;
      s = db.connect();
      s.setAutoCommit(false);
      s.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      s.setReadOnly(true);
      bounds = SinceSnapshot.bounds(s);
      Catalog catalog = CatalogReader.read(s, List.of("public"));
      tables = List.of(catalog.table(new TableName("public", table)).orElseThrow());
      backedUp = count(s, "SELECT count(*) FROM " + table);
    }

    /** Classifies in a new READ COMMITTED transaction, and copies the rows it calls new. */
    Result classify() throws SQLException {
      Map<TableName, Set<String>> seen = SinceSnapshot.seenInBetween(s, bounds, tables);
      try (Connection t = db.connect()) {
        t.setAutoCommit(false);
        SinceSnapshot.Change c = SinceSnapshot.classify(t, bounds, seen, tables).get(0);
        List<String> newIds = new ArrayList<>();
        if (c.newRows() != null) {
          try (Statement st = t.createStatement();
              ResultSet rs =
                  st.executeQuery(
                      "SELECT id FROM "
                          + c.table().sqlOwnRows()
                          + " WHERE "
                          + c.newRows()
                          + " ORDER BY id")) {
            while (rs.next()) {
              newIds.add(rs.getString(1));
            }
          }
        }
        t.rollback();
        return new Result(c, newIds);
      }
    }

    @Override
    public void close() throws SQLException {
      s.rollback();
      s.close();
    }
  }

  private record Result(SinceSnapshot.Change change, List<String> newIds) {}

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static TestDatabase tableWithRows(String name) {
    TestDatabase db = TestPostgres.freshDatabase(name);
    db.exec(
        "CREATE TABLE t (id int PRIMARY KEY, v text)",
        "INSERT INTO t SELECT g, 'old' FROM generate_series(1, 100) g");
    return db;
  }

  @Test
  void rowsInsertedAfterTheSnapshotAreNewAndTheOldOnesStillThere() throws Exception {
    TestDatabase db = tableWithRows("since_insert");
    try (Run run = new Run(db, "t")) {
      db.exec("INSERT INTO t VALUES (101, 'new'), (102, 'new')");
      Result r = run.classify();
      assertThat(r.change().stillThere()).isEqualTo(100);
      assertThat(r.change().lostRows(run.backedUp)).isFalse();
      assertThat(r.change().written()).isEqualTo(2);
      assertThat(r.newIds()).containsExactly("101", "102");
    }
  }

  @Test
  void nothingWrittenSinceGivesNoCondition() throws Exception {
    TestDatabase db = tableWithRows("since_nothing");
    try (Run run = new Run(db, "t")) {
      Result r = run.classify();
      assertThat(r.change().written()).isZero();
      assertThat(r.change().newRows()).isNull();
      assertThat(r.change().lostRows(run.backedUp)).isFalse();
    }
  }

  @Test
  void aDeleteOrAnUpdateSinceTheSnapshotIsALossOfRowsTheSnapshotSaw() throws Exception {
    TestDatabase db = tableWithRows("since_change");
    try (Run run = new Run(db, "t")) {
      db.exec("DELETE FROM t WHERE id = 7");
      Result r = run.classify();
      assertThat(r.change().stillThere()).isEqualTo(99);
      assertThat(r.change().lostRows(run.backedUp)).isTrue();
    }
    try (Run run = new Run(db, "t")) {
      db.exec("UPDATE t SET v = 'changed' WHERE id = 8");
      Result r = run.classify();
      assertThat(r.change().lostRows(run.backedUp)).isTrue();
      // the new version of the row is written since: the copy under the lock takes it
      assertThat(r.newIds()).containsExactly("8");
    }
  }

  @Test
  void rowsFrozenByVacuumWhileTheSnapshotIsOpenAreStillOld() throws Exception {
    TestDatabase db = tableWithRows("since_freeze");
    try (Run run = new Run(db, "t")) {
      db.exec("INSERT INTO t VALUES (101, 'new')");
      db.exec("VACUUM (FREEZE) t");
      // every row older than the table's relfrozenxid is frozen (the xmin column shows the raw xid)
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM t WHERE age(xmin) > (SELECT age(relfrozenxid)"
                      + " FROM pg_class WHERE oid = 't'::regclass)"))
          .as("the rows from before the snapshot were frozen")
          .isEqualTo(100);
      Result r = run.classify();
      assertThat(r.change().stillThere()).isEqualTo(100);
      assertThat(r.change().lostRows(run.backedUp)).isFalse();
      assertThat(r.newIds()).containsExactly("101");
    }
  }

  @Test
  void aTransactionOpenAcrossTheSnapshotWritesNewRowsBeforeAndAfterIt() throws Exception {
    TestDatabase db = tableWithRows("since_open");
    try (Connection w = db.connect();
        Statement st = w.createStatement()) {
      w.setAutoCommit(false);
      st.execute("INSERT INTO t VALUES (201, 'before S')");
      // a committed transaction after w's: its xid is inside S's in-between range, and S sees it
      db.exec("INSERT INTO t VALUES (202, 'committed before S')");
      try (Run run = new Run(db, "t")) {
        assertThat(run.backedUp).isEqualTo(101);
        st.execute("INSERT INTO t VALUES (203, 'after S')");
        w.commit();
        Result r = run.classify();
        assertThat(r.change().stillThere()).isEqualTo(101);
        assertThat(r.change().lostRows(run.backedUp)).isFalse();
        assertThat(r.newIds()).containsExactly("201", "203");
      }
    }
  }

  @Test
  void aSubtransactionWithAnXidFromBeforeTheSnapshotWritesNewRowsAfterIt() throws Exception {
    TestDatabase db = tableWithRows("since_subxact");
    try (Connection w = db.connect();
        Statement st = w.createStatement()) {
      w.setAutoCommit(false);
      st.execute("INSERT INTO t VALUES (301, 'top level')");
      st.execute("SAVEPOINT sp");
      st.execute("INSERT INTO t VALUES (302, 'subtransaction, before S')");
      db.exec("INSERT INTO t VALUES (303, 'committed before S')");
      try (Run run = new Run(db, "t")) {
        // the subtransaction's xid was assigned before S: its next row has an in-between xmin
        // that S's bounds cannot judge (a snapshot lists top-level xids only)
        st.execute("INSERT INTO t VALUES (304, 'subtransaction, after S')");
        st.execute("RELEASE SAVEPOINT sp");
        w.commit();
        Result r = run.classify();
        assertThat(r.change().stillThere()).isEqualTo(101);
        assertThat(r.newIds()).containsExactly("301", "302", "304");
      }
    }
  }

  @Test
  void aPartitionedTableIsClassifiedAcrossItsPartitions() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("since_parts");
    db.exec(
        "CREATE TABLE t (id int, v text) PARTITION BY RANGE (id)",
        "CREATE TABLE t1 PARTITION OF t FOR VALUES FROM (0) TO (1000)",
        "CREATE TABLE t2 PARTITION OF t FOR VALUES FROM (1000) TO (2000)",
        "INSERT INTO t SELECT g, 'old' FROM generate_series(1, 1999, 10) g");
    try (Run run = new Run(db, "t")) {
      db.exec("INSERT INTO t VALUES (5, 'new'), (1005, 'new')");
      Result r = run.classify();
      assertThat(r.change().stillThere()).isEqualTo(200);
      assertThat(r.newIds()).containsExactly("5", "1005");
    }
  }
}

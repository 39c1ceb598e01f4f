package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.catalog.TableName;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A kept table's fingerprint is taken by the reset and compared later by verify, in another session
 * that may run on another machine: it must depend on the rows only.
 */
class TableFingerprintTest {
  private static final TableName KEPT = new TableName("public", "kept");

  private static TableFingerprint take(TestDatabase db, String... sessionSettings)
      throws SQLException {
    try (Connection c = db.connect()) {
      try (Statement st = c.createStatement()) {
        for (String s : sessionSettings) {
          st.execute(s);
        }
      }
      c.setAutoCommit(false);
      try {
        return TableFingerprint.take(c, List.of(KEPT), TableFingerprint.Mode.HASH).get(0);
      } finally {
        c.rollback();
      }
    }
  }

  @Test
  void theHashDoesNotDependOnTheSessionsTimeZoneOrStyles() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE kept (id int PRIMARY KEY, at timestamptz, span interval, f float8, b bytea)",
        "INSERT INTO kept VALUES (1, '2026-11-28 12:00:00+00', '-3 days -04:00:00', 0.1, '\\x0001ff'),"
            + " (2, 'infinity', '1 year -2 mons', 'NaN', NULL)");

    TableFingerprint plain = take(db);
    TableFingerprint elsewhere =
        take(
            db,
            "SET timezone = 'Asia/Tokyo'",
            "SET intervalstyle = 'sql_standard'",
            "SET extra_float_digits = 0",
            "SET bytea_output = 'escape'");

    assertThat(elsewhere.rows()).isEqualTo(2);
    assertThat(elsewhere.differenceFrom(plain)).isNull();
    assertThat(elsewhere.hash()).isEqualTo(plain.hash());

    // and it still sees a change of one value
    db.exec("UPDATE kept SET span = '-3 days +04:00:00' WHERE id = 1");
    assertThat(take(db).hash()).isNotEqualTo(plain.hash());
  }

  @Test
  void theSessionsOwnSettingsAreBackAfterwards() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec("CREATE TABLE kept (id int)");
    try (Connection c = db.connect()) {
      try (Statement st = c.createStatement()) {
        st.execute("SET timezone = 'Asia/Tokyo'");
      }
      c.setAutoCommit(false);
      TableFingerprint.take(c, List.of(KEPT), TableFingerprint.Mode.HASH);
      try (Statement st = c.createStatement();
          java.sql.ResultSet rs =
              st.executeQuery(
                  "SELECT current_setting('timezone'), current_setting('intervalstyle')")) {
        rs.next();
        assertThat(rs.getString(1) + " " + rs.getString(2)).isEqualTo("Asia/Tokyo postgres");
      }
      c.rollback();
    }
  }

  @Test
  void countAndHashCoverTheTablesOwnRowsNotAnInheritanceChilds() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE kept (id int, note text)",
        "CREATE TABLE child () INHERITS (kept)",
        "INSERT INTO kept VALUES (1, 'a')",
        "INSERT INTO child VALUES (2, 'b')");
    TableFingerprint before = take(db);
    assertThat(before.rows()).isEqualTo(1);

    db.exec("TRUNCATE child");

    assertThat(before.differenceFrom(take(db))).isNull();
  }

  @Test
  void refusesAConnectionOutsideATransaction() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec("CREATE TABLE kept (id int)");
    try (Connection c = db.connect()) {
      assertThatThrownBy(() -> TableFingerprint.take(c, List.of(KEPT), TableFingerprint.Mode.HASH))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("caller's open transaction");
    }
  }
}

package io.proddatareset.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqlScriptTest {
  @Test
  void variablesGoInAsTheyAreOrAsQuotedLiterals() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("sql_script");
    try (Connection c = db.connect()) {
      new SqlScript(c, name -> null, Map.of("v", "it's a 'test'", "n", "42"))
          .execute("CREATE TABLE t AS SELECT :'v'::text AS v, :n AS n;");
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT v, n FROM t")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("it's a 'test'");
        assertThat(rs.getInt(2)).isEqualTo(42);
      }
    }
  }
}

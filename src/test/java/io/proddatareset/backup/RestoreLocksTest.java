package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.connect.TargetParser;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Undoing a reset restores the reset tables into a live database whose kept tables the app goes on
 * using. Dropping a foreign key locks the table it references in ACCESS EXCLUSIVE mode until the
 * commit: the restore must not do that to a kept table (users, here), which the app could not even
 * read for the whole restore.
 */
class RestoreLocksTest {
  @TempDir Path dir;

  private static final String KEPT = "users,api_keys,schema_migrations";

  @Test
  void keptTablesTheRestoredOnesReferenceStayReadableAndWritable() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    Path file = dir.resolve("reset.sql");
    Cli.Result b = RoundTrips.backup(db, file, "--keep", KEPT);
    assertThat(b.exitCode()).as(b.toString()).isZero();
    List<String> resetTables =
        db.queryStrings(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
                + " WHERE schemaname = 'public'"
                + " AND tablename NOT IN ('users', 'api_keys', 'schema_migrations')");
    db.exec("TRUNCATE " + String.join(", ", resetTables));

    List<String> whileRestoring = new ArrayList<>();
    BackupProgress app =
        new BackupProgress() {
          @Override
          public void copied(TableName table, long rows, long bytes) {
            if (bytes > 0 && whileRestoring.isEmpty()) {
              whileRestoring.add("loading: " + useUsers(db));
            }
          }

          @Override
          public void phase(String description) {
            if (description.startsWith("analyzing")) {
              whileRestoring.add("validating: " + useUsers(db));
            }
          }
        };
    try (Connection c = new Connector(TargetParser.parse(db.url())).open()) {
      Restorer.restore(
          c, Restorer.inspect(file), new RestoreOptions(null, Duration.ofSeconds(5), app));
    }

    assertThat(whileRestoring).containsExactly("loading: ok", "validating: ok");
    assertThat(db.snapshot()).isEqualTo(before);
  }

  /** What the app does with the kept users table: read it, and change a row. */
  private static String useUsers(TestDatabase db) {
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      st.execute("SET lock_timeout = '2s'");
      st.executeQuery("SELECT count(*) FROM users").close();
      st.executeUpdate(
          "UPDATE users SET name = name WHERE id = (SELECT min(id::text)::uuid FROM users)");
      return "ok";
    } catch (SQLException e) {
      return e.getMessage();
    }
  }
}

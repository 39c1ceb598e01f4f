package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database can set IntervalStyle for its sessions. In the sql_standard style a leading minus sign
 * applies to every field ({@code -1 2:03:04} is minus one day, two hours, ...), while the default
 * style reads the same text as minus one day plus two hours: a backup written in that style would
 * restore other values elsewhere, silently. Backups are written in the postgres style, as pg_dump
 * writes them, whatever the database sets.
 */
class IntervalStyleTest {
  @TempDir Path dir;

  private static final String SCHEMA = "CREATE TABLE spans (id int PRIMARY KEY, v interval)";

  /** The values as numbers, which no style changes. */
  private static List<String> values(TestDatabase db) {
    return db.queryStrings(
        "SELECT id || ': ' || extract(epoch FROM v) || ' s, ' || extract(day FROM v) || ' d, '"
            + " || extract(month FROM v) || ' mon' FROM spans ORDER BY id");
  }

  @Test
  void aBackupOfASqlStandardDatabaseRestoresTheSameValuesElsewhere() throws IOException {
    TestDatabase source = TestPostgres.freshDatabase();
    source.exec(
        "ALTER DATABASE " + source.name() + " SET intervalstyle = 'sql_standard'",
        SCHEMA,
        "INSERT INTO spans VALUES (1, '-1 day +02:03:04'), (2, '1 year -2 months'),"
            + " (3, '-3 days -04:00:00'), (4, '00:00:00'), (5, '-1 year -2 mons +3 days')");
    assertThat(source.queryStrings("SHOW intervalstyle")).containsExactly("sql_standard");
    List<String> want = values(source);
    Path file = dir.resolve("spans.sql");

    Cli.Result b = RoundTrips.backup(source, file, "--all");

    assertThat(b.exitCode()).as(b.toString()).isZero();

    TestDatabase target = TestPostgres.freshDatabase();
    target.exec(SCHEMA);
    Cli.Result r = RoundTrips.restore(target, file);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(values(target)).isEqualTo(want);
    assertThat(Files.readString(file)).contains("\t-1 days +02:03:04\n");

    // the postgres style reads back the same in a database that reads sql_standard
    TestDatabase standard = TestPostgres.freshDatabase();
    standard.exec(
        "ALTER DATABASE " + standard.name() + " SET intervalstyle = 'sql_standard'", SCHEMA);
    Cli.Result r2 = RoundTrips.restore(standard, file);
    assertThat(r2.exitCode()).as(r2.toString()).isZero();
    assertThat(values(standard)).isEqualTo(want);
  }
}

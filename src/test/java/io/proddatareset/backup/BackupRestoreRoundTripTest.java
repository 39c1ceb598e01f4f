package io.proddatareset.backup;

import static io.proddatareset.backup.RoundTrips.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round trips through the real CLI: backup, TRUNCATE ... RESTART IDENTITY and sequence restarts by
 * hand, restore, then every table's sorted COPY output and every sequence equal the start.
 */
class BackupRestoreRoundTripTest {
  @TempDir Path dir;

  @Test
  void pmAgentGzipWithParallelJobs() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    roundTrip(db, dir.resolve("pm.sql.gz"), "--all", "--jobs", "3");
  }

  @Test
  void trickySchemaPlainOneJob() {
    TestDatabase db = RoundTrips.loadTricky(TestPostgres.freshDatabase());
    roundTrip(db, dir.resolve("tricky.sql"), "--all", "--schema", "public,Odd Schema", "-j", "1");
    // the disabled trigger stays disabled, the ALWAYS one stays ALWAYS, the comment survives
    assertThat(
            db.queryStrings(
                "SELECT tgname || '=' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal"
                    + " AND tgrelid = 'things'::regclass ORDER BY 1"))
        .containsExactly("things_disabled=D", "things_refuse=O");
    assertThat(
            db.queryStrings("SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'pairs_always'"))
        .containsExactly("A");
    assertThat(
            db.queryStrings(
                "SELECT obj_description(oid, 'pg_constraint') FROM pg_constraint"
                    + " WHERE conname = 'cycle_b_a_id_fkey'"))
        .containsExactly("kept across a restore");
    assertThat(db.count("no_columns")).isEqualTo(2);
  }

  @Test
  void trickySchemaZstdInParts() {
    TestDatabase db = RoundTrips.loadTricky(TestPostgres.freshDatabase());
    roundTrip(
        db, dir.resolve("tricky.sql.zst"), "--all", "--schema", "public,Odd Schema", "-j", "4");
  }
}

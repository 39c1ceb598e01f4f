package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup and restore as the tables' owner, without superuser rights: the non-deferrable FK cycle,
 * the triggers (also on a partitioned table) and the identity columns need nothing more.
 */
class OwnerRestoreTest {
  @TempDir Path dir;

  @Test
  void ownerWithoutSuperuserRoundTrip() {
    TestDatabase db = RoundTrips.loadTricky(TestPostgres.freshDatabase());
    String owner = TestPostgres.PASSWORD_ROLE;
    for (String rel :
        db.queryStrings(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname IN ('public', 'Odd Schema') AND c.relkind IN ('r', 'p', 'S')"
                + " AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d"
                + "   WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))")) {
      db.exec("ALTER TABLE " + rel + " OWNER TO " + owner);
    }
    db.exec("ALTER SCHEMA \"Odd Schema\" OWNER TO " + owner);
    assertThat(
            db.queryLong(
                "SELECT count(*) FROM pg_roles WHERE rolname = '" + owner + "' AND rolsuper"))
        .isZero();

    Map<String, List<String>> before = db.snapshot();
    Map<String, String> sequences = db.sequences();
    Path file = dir.resolve("owner.sql.gz");
    Cli.Result b =
        new Cli()
            .run(
                "backup",
                "--url",
                db.passwordUrl(),
                "--all",
                "--schema",
                "public,Odd Schema",
                "-o",
                file.toString());
    assertThat(b.exitCode()).as(b.toString()).isZero();
    RoundTrips.emptyEverything(db);

    Cli.Result r =
        new Cli()
            .run("restore", file.toString(), "--url", db.passwordUrl(), "--confirm", db.name());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Checked: every table's rows and SHA-256 matched");
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.sequences()).isEqualTo(sequences);
    assertThat(r.out() + r.err()).doesNotContain(TestPostgres.PASSWORD);
  }
}

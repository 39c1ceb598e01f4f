package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore sets each sequence to the backup's value, but never back: a sequence that went on handing
 * out values after the backup would hand the same ids out again.
 */
class RestoreSequencesTest {
  @TempDir Path dir;

  @Test
  void aSequenceThatWentOnIsLeftWhereItIsAndARestartedOneIsSet() {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE orders (id serial PRIMARY KEY, what text)",
        // a kept table that draws from the same sequence
        "CREATE TABLE archive (id int PRIMARY KEY DEFAULT nextval('orders_id_seq'))",
        "INSERT INTO orders (what) SELECT 'o' FROM generate_series(1, 5)");
    Path file = dir.resolve("orders.sql");
    Cli.Result b = RoundTrips.backup(db, file, "--keep", "archive");
    assertThat(b.exitCode()).as(b.toString()).isZero();

    // emptied without restarting the sequence, which goes on: the archive takes 6, 7 and 8
    db.exec(
        "TRUNCATE orders",
        "INSERT INTO archive DEFAULT VALUES",
        "INSERT INTO archive DEFAULT VALUES",
        "INSERT INTO archive DEFAULT VALUES");
    Cli.Result r = RoundTrips.restore(db, file);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("Restored 1 table, 5 rows, and 0 sequences")
        .contains(
            "Sequence public.orders_id_seq left at 8: it has already handed out values up to"
                + " there, and the backup's 5 would hand them out again.");
    assertThat(db.count("public.orders")).isEqualTo(5);
    db.exec("INSERT INTO archive DEFAULT VALUES");
    assertThat(db.queryStrings("SELECT id::text FROM archive ORDER BY id"))
        .containsExactly("6", "7", "8", "9");

    // emptied with the sequence restarted: it has handed out nothing since, so it is set
    db.exec("TRUNCATE orders RESTART IDENTITY");
    Cli.Result again = RoundTrips.restore(db, file);
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.out()).contains("and 1 sequence").doesNotContain("left at");
    assertThat(db.queryStrings("SELECT last_value || ' ' || is_called FROM orders_id_seq"))
        .containsExactly("5 true");
  }

  @Test
  void aSetvalOfSomethingThatIsNotASequenceFailsAndChangesNothing() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec("CREATE TABLE orders (id serial PRIMARY KEY, what text)");
    Path file = dir.resolve("odd.sql");
    java.nio.file.Files.writeString(
        file,
        "COPY public.orders (id, what) FROM stdin;\n1\ta\n\\.\n"
            + "SELECT pg_catalog.setval('public.orders', 5, true);\n"
            + "--\n-- PostgreSQL database dump complete\n--\n");

    Cli.Result r = RoundTrips.restore(db, file);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err())
        .contains("setting sequence public.orders: not a sequence")
        .contains("Nothing was changed");
    assertThat(db.count("public.orders")).isZero();
  }
}

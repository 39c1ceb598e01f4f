package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reset --restart-identity}: the reset tables' sequences start again, no others. */
class RestartIdentityTest {
  @TempDir Path dir;

  private Cli.Result reset(TestDatabase db, String backup, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "reset",
                db.url(),
                "--keep",
                "archive",
                "--backup",
                dir.resolve(backup).toString(),
                "--confirm",
                db.name()));
    args.addAll(List.of(extra));
    return new Cli().run(args.toArray(String[]::new));
  }

  @Test
  void restartsTheResetTablesSequences() {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE orders (id serial PRIMARY KEY, what text)",
        "CREATE TABLE lines (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n int)",
        "CREATE TABLE archive (id serial PRIMARY KEY)",
        "INSERT INTO orders (what) SELECT 'o' FROM generate_series(1, 5)",
        "INSERT INTO lines (n) SELECT 1 FROM generate_series(1, 7)",
        "INSERT INTO archive DEFAULT VALUES");

    Cli.Result r = reset(db, "r.sql", "--restart-identity");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    db.exec(
        "INSERT INTO orders (what) VALUES ('new')",
        "INSERT INTO lines (n) VALUES (2)",
        "INSERT INTO archive DEFAULT VALUES");
    assertThat(db.queryStrings("SELECT id::text FROM orders")).containsExactly("1");
    assertThat(db.queryStrings("SELECT id::text FROM lines")).containsExactly("1");
    // the kept table's own sequence went on
    assertThat(db.queryStrings("SELECT id::text FROM archive ORDER BY id"))
        .containsExactly("1", "2");
  }

  @Test
  void refusesWhenATableThatIsKeptDrawsFromASequenceItWouldRestart() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE orders (id serial PRIMARY KEY, what text)",
        // the kept table takes its ids from the reset table's sequence
        "CREATE TABLE archive (id int PRIMARY KEY DEFAULT nextval('orders_id_seq'))",
        "INSERT INTO orders (what) SELECT 'o' FROM generate_series(1, 5)",
        "INSERT INTO archive DEFAULT VALUES",
        "INSERT INTO archive DEFAULT VALUES");
    Map<String, List<String>> before = db.snapshot();
    Map<String, String> sequences = db.sequences();

    Cli.Result r = reset(db, "refused.sql", "--restart-identity");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.err())
        .contains(
            "--restart-identity would restart sequences that tables which are not reset draw from"
                + " (public.orders_id_seq is also the default of public.archive.id)")
        .contains("Nothing was changed");
    assertThat(r.err()).doesNotContain("Locking");
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.sequences()).isEqualTo(sequences);
    assertThat(Files.exists(dir.resolve("refused.sql"))).isFalse();

    // without the option the sequence is left alone and the reset goes ahead
    Cli.Result plain = reset(db, "plain.sql");
    assertThat(plain.exitCode()).as(plain.toString()).isZero();
    db.exec("INSERT INTO archive DEFAULT VALUES");
    assertThat(db.queryStrings("SELECT id::text FROM archive ORDER BY id"))
        .containsExactly("6", "7", "8");
  }
}

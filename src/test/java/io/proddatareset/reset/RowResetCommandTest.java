package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.SubsetShapes;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reset --where} through the real CLI: the confirmed plan goes to the row reset, the check
 * afterwards reads the subset backup, and {@code verify --manifest} of that manifest tells a
 * deleted row back (exit 4) from rows written since (exit 0).
 */
class RowResetCommandTest {
  @TempDir Path dir;

  Cli cli() {
    return new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString());
  }

  @Test
  void resetWhereDeletesTheClosureBacksItUpAndVerifyTellsRowsBackFromNewOnes() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    Map<String, List<String>> expected =
        RowResetTest.cascade(db, "DELETE FROM projects WHERE id = 1");
    List<String> project1 = db.queryStrings("SELECT name FROM projects WHERE id = 1");
    Path backup = dir.resolve("project-1.sql");

    Cli.Result r = resetWhere(db, "projects: id = 1", backup);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Reset committed: ").contains(" rows deleted in ");
    assertThat(r.err()).contains("Locking the selected rows").contains("About to delete ");
    assertThat(db.snapshot()).isEqualTo(expected);

    // the app writes on: new rows are not a failure
    db.exec("INSERT INTO tags (project_id, name) VALUES (2, 'after the reset')");
    Cli.Result verified = cli().run("verify", db.url(), "--manifest", backup + ".manifest.json");
    assertThat(verified.exitCode()).as(verified.toString()).isZero();
    assertThat(verified.out())
        .contains("none of the deleted rows is back; 1 written since")
        .contains(
            "Verified: none of the rows the reset deleted is back (10 tables; 1 row written since"
                + " the reset committed).");

    // a deleted row back is
    db.exec(
        "INSERT INTO projects (id, name, owner_id) SELECT 1, "
            + "'"
            + project1.get(0).replace("'", "''")
            + "', owner_id FROM projects WHERE id = 2");
    Cli.Result back = cli().run("verify", db.url(), "--manifest", backup + ".manifest.json");
    assertThat(back.exitCode()).as(back.toString()).isEqualTo(4);
    assertThat(back.out() + back.err())
        .contains("public.projects: 1 row with the key of a row the reset deleted is back");
  }

  @Test
  void resetWhereWithoutABackupChecksTheSelectionAfterwards() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);

    Cli.Result r =
        cli()
            .run(
                "reset",
                db.url(),
                "--where",
                "projects: id = 1",
                "--no-backup",
                "--i-have-a-backup",
                "a test database",
                "--confirm",
                db.name());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM projects WHERE id = 1")).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM entities WHERE project_id = 1")).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM projects")).isPositive();
  }

  /**
   * Confirmed beforehand, the row reset computes its plan once, under its row locks, and shows it
   * there: a wrong database name, a wrong plan id, a closure that reaches a kept table or an empty
   * selection each end it before anything is backed up or changed, and release the locks.
   */
  @Test
  void aResetConfirmedBeforehandRefusesUnderItsLocksAndChangesNothing() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    Path backup = dir.resolve("refused.sql");
    String[] where = {
      "reset", db.url(), "--where", "projects: id = 1", "--backup", backup.toString()
    };

    Cli.Result otherName = cli().run(concat(where, "--confirm", "not_" + db.name()));
    assertThat(otherName.exitCode()).as(otherName.toString()).isEqualTo(5);
    assertThat(otherName.out()).contains("Plan for ").contains("Plan id: ");
    assertThat(otherName.err()).contains("Nothing was changed");

    Cli.Result otherId =
        cli().run(concat(where, "--plan-id", "000000000000", "--confirm", db.name()));
    assertThat(otherId.exitCode()).as(otherId.toString()).isEqualTo(3);
    assertThat(otherId.err())
        .contains("not the reviewed 000000000000")
        .contains("Nothing was changed");

    Cli.Result kept = cli().run(concat(where, "--keep", "entities", "--confirm", db.name()));
    assertThat(kept.exitCode()).as(kept.toString()).isEqualTo(3);
    assertThat(kept.out() + kept.err()).contains("public.projects -> public.entities by");

    Cli.Result none = resetWhere(db, "projects: id < 0", backup);
    assertThat(none.exitCode()).as(none.toString()).isZero();
    assertThat(none.out()).doesNotContain("Reset committed");

    Cli.Result typo = resetWhere(db, "projects: no_such_column = 1", backup);
    assertThat(typo.exitCode()).as(typo.toString()).isEqualTo(2);
    assertThat(typo.err()).contains("no_such_column");

    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(backup).doesNotExist();
    // no row lock is left behind: another session deletes the selected project at once
    db.exec("SET lock_timeout = '1s'", "DELETE FROM projects WHERE id = 1");
  }

  /**
   * Confirmed at the prompt, the row reset shows its plan first, without locks, then computes it
   * again under them: the same rows go; a wrong name typed changes nothing.
   */
  @Test
  void aRowResetConfirmedAtThePromptShowsThePlanFirst() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    Map<String, List<String>> expected =
        RowResetTest.cascade(db, "DELETE FROM projects WHERE id = 1");
    String[] args = {
      "reset", db.url(), "--where", "projects: id = 1", "--backup", dir.resolve("a.sql").toString()
    };

    Cli.Result wrong = cli().stdin("not_" + db.name() + "\n", true).run(args);
    assertThat(wrong.exitCode()).as(wrong.toString()).isEqualTo(5);
    assertThat(db.snapshot()).isEqualTo(before);

    Cli.Result r = cli().stdin(db.name() + "\n", true).run(args);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.err()).contains("type the database name");
    // the plan came before the prompt, the locks after it
    assertThat(r.err().indexOf("type the database name"))
        .isLessThan(r.err().indexOf("Locking the selected rows"));
    assertThat(r.out()).contains("Plan id: ").contains("Reset committed: ");
    assertThat(db.snapshot()).isEqualTo(expected);
  }

  /** {@code reset URL --where WHERE --backup BACKUP MORE... --confirm DB} through the CLI. */
  @Test
  void verifyComparesOnlyTheKeysEvenWhenTheyHoldTabsNewlinesAndBackslashes() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    // a composite text key whose values COPY escapes, and a large column verify need not load
    db.exec(
        "CREATE TABLE doc (space text, name text, body text, PRIMARY KEY (space, name))",
        "CREATE TABLE line (space text, name text, n int, PRIMARY KEY (space, name, n),"
            + " FOREIGN KEY (space, name) REFERENCES doc ON DELETE CASCADE)",
        "INSERT INTO doc VALUES (E'a\\tb', E'x\\ny', repeat('z', 100000)),"
            + " (E'a\\\\b', 'plain', 'w'), ('kept', E'x\\ny', 'k')",
        "INSERT INTO line SELECT space, name, g FROM doc, generate_series(1, 3) g");
    Path backup = dir.resolve("docs.sql.gz");

    Cli.Result r = resetWhere(db, "doc: space <> 'kept'", backup);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM doc")).isEqualTo(1);
    Cli.Result verified = cli().run("verify", db.url(), "--manifest", backup + ".manifest.json");
    assertThat(verified.exitCode()).as(verified.toString()).isZero();
    // the same keys written again are back, whatever their other columns hold now
    db.exec(
        "INSERT INTO doc VALUES (E'a\\tb', E'x\\ny', 'new body')",
        "INSERT INTO doc VALUES (E'a\\\\b', 'plain', 'w')",
        "INSERT INTO line VALUES (E'a\\\\b', 'plain', 7)",
        "INSERT INTO line VALUES (E'a\\\\b', 'plain', 2)");
    Cli.Result back = cli().run("verify", db.url(), "--manifest", backup + ".manifest.json");
    assertThat(back.exitCode()).as(back.toString()).isEqualTo(4);
    assertThat(back.out() + back.err())
        .contains("public.doc: 2 rows with the key of a row the reset deleted are back")
        .contains("public.line: 1 row with the key of a row the reset deleted is back");
  }

  Cli.Result resetWhere(TestDatabase db, String where, Path backup, String... more) {
    String[] head = {"reset", db.url(), "--where", where, "--backup", backup.toString()};
    return cli().run(concat(concat(head, more), "--confirm", db.name()));
  }

  private static String[] concat(String[] head, String... tail) {
    String[] out = java.util.Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, out, head.length, tail.length);
    return out;
  }

  /** reset --where, then restore of its backup: every table and sequence as before. */
  void roundTrip(TestDatabase db, String where, String... more) {
    Map<String, List<String>> before = db.snapshot();
    Map<String, String> sequences = db.sequences();
    Path backup = dir.resolve("round-trip.sql");
    Cli.Result r = resetWhere(db, where, backup, more);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.snapshot()).isNotEqualTo(before);

    Cli.Result restored =
        cli().run("restore", backup.toString(), "--url", db.url(), "--confirm", db.name());

    assertThat(restored.exitCode()).as(restored.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.sequences()).isEqualTo(sequences);
  }

  @Test
  void aRowResetOfACycleASelfReferenceAndSetNullKeysIsRestoredExactly() {
    TestDatabase db = TestPostgres.freshDatabase();
    // the command's scope is the public schema here: the note table moves there
    db.exec(SubsetShapes.SHAPES.replace("other.note", "public.note"));
    roundTrip(db, "country: id = 1");
  }

  @Test
  void aRowResetOfOneOwnersProjectsIsRestoredExactly() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    String owner = db.queryStrings("SELECT owner_id FROM projects ORDER BY id LIMIT 1").get(0);
    roundTrip(db, "projects: owner_id = '" + owner + "'");
  }

  @Test
  void aRowResetOfOnePagilaCustomerIsRestoredExactly() {
    // pagila: partitioned payments, rentals, and last_update triggers on the re-inserted rows
    TestDatabase db = TestPostgres.freshDatabase().loadPagila();
    roundTrip(db, "customer: customer_id = 7");
  }

  @Test
  void oneTenantWithTheTenantKeyIsRestoredExactly() {
    // tenant columns without a foreign key, followed through --tenant-key
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SubsetShapes.TENANTS);
    roundTrip(db, "tenants: id = 2", "--tenant-key", "tenant_id");
  }

  @Test
  void rowsAndAWholeTableInOneResetAreRestoredExactly() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    Map<String, List<String>> before = db.snapshot();
    Path backup = dir.resolve("rows-and-table.sql");
    Cli.Result r = resetWhere(db, "projects: id = 1", backup, "--reset", "review_queue");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.count("public.review_queue")).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM projects WHERE id = 1")).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM projects")).isPositive();

    Cli.Result restored =
        cli().run("restore", backup.toString(), "--url", db.url(), "--confirm", db.name());
    assertThat(restored.exitCode()).as(restored.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
  }
}

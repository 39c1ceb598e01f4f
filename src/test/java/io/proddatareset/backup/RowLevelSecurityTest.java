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
 * A row-level security policy that hides rows from the connecting role must never give a backup
 * that silently leaves those rows out (and a reset that then removes them): the backup fails with
 * one line naming the table, and the reset changes nothing.
 */
class RowLevelSecurityTest {
  @TempDir Path dir;

  @Test
  void aPolicyHidingRowsFailsTheBackupAndTheResetInsteadOfLosingRows() {
    TestDatabase db = TestPostgres.freshDatabase();
    String owner = TestPostgres.PASSWORD_ROLE;
    db.exec(
        "CREATE TABLE notes (id int PRIMARY KEY, body text)",
        "INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 10) g",
        "CREATE TABLE accounts (id int PRIMARY KEY)",
        "INSERT INTO accounts VALUES (1)",
        "ALTER TABLE notes OWNER TO " + owner,
        "ALTER TABLE accounts OWNER TO " + owner,
        // the owner is subject to the policy too: it sees 3 of the 10 rows
        "ALTER TABLE notes ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE notes FORCE ROW LEVEL SECURITY",
        "CREATE POLICY only_some ON notes USING (id <= 3)");
    assertThat(
            db.queryLong(
                "SELECT count(*) FROM pg_roles WHERE rolname = '"
                    + owner
                    + "'"
                    + " AND (rolsuper OR rolbypassrls)"))
        .isZero();
    Map<String, List<String>> before = db.snapshot();
    Path file = dir.resolve("notes.sql");

    Cli.Result b =
        new Cli().run("backup", "--url", db.passwordUrl(), "--all", "-o", file.toString());

    assertThat(b.exitCode()).as(b.toString()).isEqualTo(1);
    assertThat(b.err()).contains("row-level security").contains("notes");
    assertThat(b.err().strip().lines()).hasSize(1);
    assertThat(file).doesNotExist();
    assertThat(ManifestFile.pathFor(file)).doesNotExist();

    Path resetBackup = dir.resolve("reset.sql");
    Cli.Result r =
        new Cli()
            .run(
                "reset",
                db.passwordUrl(),
                "--keep",
                "accounts",
                "--backup",
                resetBackup.toString(),
                "--confirm",
                db.name());

    // the plan inside the reset refuses before anything is locked or written
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.out() + r.err())
        .contains("Row-level security applies to user " + owner + " on reset table public.notes")
        .contains("BYPASSRLS");
    assertThat(resetBackup).doesNotExist();
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.count("public.notes")).isEqualTo(10);
  }

  @Test
  void thePlanNamesThePolicyAsAHazardForResetAndKeptTables() {
    TestDatabase db = TestPostgres.freshDatabase();
    String owner = TestPostgres.PASSWORD_ROLE;
    db.exec(
        "CREATE TABLE notes (id int PRIMARY KEY)",
        "CREATE TABLE accounts (id int PRIMARY KEY)",
        "CREATE TABLE open_table (id int PRIMARY KEY)",
        "GRANT SELECT, TRUNCATE ON notes, accounts, open_table TO " + owner,
        // not the owner: an enabled policy applies without FORCE
        "ALTER TABLE notes ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE accounts ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY everything ON notes USING (true)",
        "CREATE POLICY everything ON accounts USING (true)");

    Cli.Result plan = new Cli().run("plan", db.passwordUrl(), "--keep", "accounts", "--json");

    assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(3);
    assertThat(plan.out())
        .contains("ROW_SECURITY")
        .contains("on reset table public.notes")
        .contains("on kept table public.accounts")
        .doesNotContain("table public.open_table:");

    // as the superuser that owns them, no policy applies: no hazard
    Cli.Result asOwner = new Cli().run("plan", db.url(), "--keep", "accounts");
    assertThat(asOwner.exitCode()).as(asOwner.toString()).isZero();
  }
}

package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.catalog.TableName;
import io.proddatareset.reset.VerifyReport;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counts shown to people: "1 table", "2 tables", "0 tables", and the same digits and separators
 * whatever the machine's locale (German here, which would write 1.234).
 */
@Tag("single-version")
class CountWordingTest {
  @TempDir Path dir;
  private Locale saved;

  @BeforeEach
  void germanMachine() {
    saved = Locale.getDefault();
    Locale.setDefault(Locale.GERMANY);
  }

  @AfterEach
  void restoreLocale() {
    Locale.setDefault(saved);
  }

  private static VerifyReport report(int reset, int kept, int failed, long rows) {
    List<VerifyReport.Check> checks = new ArrayList<>();
    for (int i = 0; i < reset; i++) {
      checks.add(
          new VerifyReport.Check(
              new TableName("public", "r" + i), VerifyReport.Kind.RESET, 0, null));
    }
    for (int i = 0; i < kept; i++) {
      String problem = i < failed ? "row count " + rows + " is not the recorded 3" : null;
      checks.add(
          new VerifyReport.Check(
              new TableName("public", "k" + i), VerifyReport.Kind.KEPT, rows, problem));
    }
    return new VerifyReport("db", checks);
  }

  private static String summary(VerifyReport report) {
    List<String> lines = VerifyText.render(report, "postgresql://u@h:5432/db").lines().toList();
    return lines.get(lines.size() - 1);
  }

  @Test
  void theVerifySummaryCountsInTheRightNumber() {
    assertThat(summary(report(0, 3, 0, 5)))
        .isEqualTo("Verified: 0 reset tables empty, 3 kept tables unchanged.");
    assertThat(summary(report(1, 1, 0, 5)))
        .isEqualTo("Verified: 1 reset table empty, 1 kept table unchanged.");
    assertThat(summary(report(2, 2, 0, 5)))
        .isEqualTo("Verified: 2 reset tables empty, 2 kept tables unchanged.");
    assertThat(summary(report(1, 0, 0, 5))).isEqualTo("Verified: 1 reset table empty.");
    assertThat(summary(report(1, 1, 1, 5))).isEqualTo("Verification FAILED for 1 table.");
    assertThat(summary(report(1, 2, 2, 5))).isEqualTo("Verification FAILED for 2 tables.");
  }

  @Test
  void theVerifyRowsAreCountedWithRootLocaleSeparators() {
    String text = VerifyText.render(report(0, 2, 0, 1), "t");
    assertThat(text).contains("  ok    public.k0  kept            1 row\n");
    text = VerifyText.render(report(0, 1, 0, 1_234_567), "t");
    assertThat(text).contains("  ok    public.k0  kept    1,234,567 rows\n");
  }

  @Test
  void theResetSummaryLinesCountInTheRightNumber() {
    TestDatabase db = TestPostgres.freshDatabase("words");
    db.exec(
        "CREATE TABLE one_row (id int)",
        "INSERT INTO one_row VALUES (1)",
        "CREATE TABLE kept_one (id int)",
        "INSERT INTO kept_one VALUES (1)",
        "CREATE TABLE many (id int)",
        "INSERT INTO many SELECT generate_series(1, 1233)",
        "CREATE TABLE kept_two (id int)");
    Path state = dir.resolve("state");

    Cli.Result one =
        new Cli()
            .env("XDG_STATE_HOME", state.toString())
            .run(
                "reset",
                db.url(),
                "--reset",
                "one_row",
                "--keep",
                "kept_one,many,kept_two",
                "--backup",
                dir.resolve("one.sql").toString(),
                "--confirm",
                db.name());
    assertThat(one.exitCode()).as(one.toString()).isZero();
    String target = "postgresql://postgres@localhost:" + db.port() + "/" + db.name();
    assertThat(one.err())
        .contains("About to reset 1 table (1 row) in " + target + " and keep 3.\n")
        .contains(
            "  Locking 1 reset table and 3 kept tables against writers for the final phase (SHARE mode, ")
        .contains("  Fingerprinting 3 kept tables (row counts and content hashes) ...\n")
        .contains("  Truncating 1 table in one statement ...\n");
    assertThat(one.out())
        .containsPattern(
            Pattern.quote("Reset committed: 1 table emptied (1 row) in ")
                + "\\d+"
                + Pattern.quote(" ms (writers were locked out for the last ")
                + "\\d+"
                + Pattern.quote(" ms); 3 kept tables unchanged.\n"))
        .contains("Backup: " + dir.resolve("one.sql") + " (1 row, sha256 ")
        .contains("Verified: 1 reset table empty, 3 kept tables unchanged.\n");

    db.exec("INSERT INTO one_row VALUES (2)");
    Cli.Result two =
        new Cli()
            .env("XDG_STATE_HOME", state.toString())
            .run(
                "reset",
                db.url(),
                "--reset",
                "one_row,many",
                "--keep",
                "kept_one",
                "--keep",
                "kept_two",
                "--backup",
                dir.resolve("two.sql").toString(),
                "--confirm",
                db.name());
    assertThat(two.exitCode()).as(two.toString()).isZero();
    assertThat(two.err())
        .contains("About to reset 2 tables (1,234 rows) in " + target + " and keep 2.\n");
    assertThat(two.out())
        .containsPattern(
            Pattern.quote("Reset committed: 2 tables emptied (1,234 rows) in ")
                + "\\d+"
                + Pattern.quote(" ms (writers were locked out for the last ")
                + "\\d+"
                + Pattern.quote(" ms); 2 kept tables unchanged.\n"))
        .contains(" (1,234 rows, sha256 ")
        .contains("Verified: 2 reset tables empty, 2 kept tables unchanged.\n");

    db.exec("INSERT INTO many VALUES (1)");
    Cli.Result keptOne =
        new Cli()
            .env("XDG_STATE_HOME", state.toString())
            .run(
                "reset",
                db.url(),
                "--reset",
                "many,one_row,kept_two",
                "--keep",
                "kept_one",
                "--backup",
                dir.resolve("three.sql").toString(),
                "--confirm",
                db.name());
    assertThat(keptOne.exitCode()).as(keptOne.toString()).isZero();
    assertThat(keptOne.err())
        .contains(
            "  Locking 3 reset tables and 1 kept table against writers for the final phase (SHARE mode, ")
        .contains("  Fingerprinting 1 kept table (row counts and content hashes) ...\n")
        .contains("  Truncating 3 tables in one statement ...\n");
    assertThat(keptOne.out())
        .containsPattern(
            Pattern.quote("Reset committed: 3 tables emptied (1 row) in ")
                + "\\d+"
                + Pattern.quote(" ms (writers were locked out for the last ")
                + "\\d+"
                + Pattern.quote(" ms); 1 kept table unchanged.\n"))
        .contains("Verified: 3 reset tables empty, 1 kept table unchanged.\n");
  }

  @Test
  void aBackupAndAFailedVerifyCountOneRowAsOneRow() {
    TestDatabase db = TestPostgres.freshDatabase("words1");
    db.exec(
        "CREATE TABLE one_row (id int)",
        "INSERT INTO one_row VALUES (1)",
        "CREATE TABLE kept (id int)");
    Cli cli = new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString());

    Cli.Result backup =
        cli.run(
            "backup",
            db.url(),
            "--reset",
            "one_row",
            "--output",
            dir.resolve("one.sql").toString());
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    assertThat(backup.out())
        .startsWith("Backed up 1 table, 1 row, from ")
        .containsPattern("\\n  public\\.one_row +1 row\\n");

    // nothing was reset: the row is still there
    Cli.Result verify = cli.run("verify", db.url(), "--reset", "one_row");
    assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(4);
    assertThat(verify.err()).contains("public.one_row has 1 row; it should be empty");
  }
}

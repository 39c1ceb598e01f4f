package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.pg.Identifiers;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verify table lines up by display width, as the plan's does, whatever the names are. */
@Tag("single-version")
class VerifyNamesTest {
  @TempDir Path dir;

  @Test
  void wideNamesLineUpByDisplayWidth() {
    TestDatabase db = TestPostgres.freshDatabase("wideverify");
    List<String> reset = List.of("表格", "日志表", "\uD83D\uDE00emoji");
    List<String> kept = List.of("cafe\u0301", "plain_table");
    for (String n : List.of("表格", "日志表", "\uD83D\uDE00emoji", "cafe\u0301", "plain_table")) {
      db.exec("CREATE TABLE " + TestDatabase.quote(n) + " (id int)");
      db.exec("INSERT INTO " + TestDatabase.quote(n) + " VALUES (1)");
    }
    Path backup = dir.resolve("wide.sql");
    Cli cli = new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString());
    Cli.Result r =
        cli.run(
            "reset",
            db.url(),
            "--keep",
            String.join(",", kept.stream().map(Identifiers::display).toList()),
            "--backup",
            backup.toString(),
            "--confirm",
            db.name());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    Cli.Result verify = cli.run("verify", db.url(), "--manifest", backup + ".manifest.json");
    assertThat(verify.exitCode()).as(verify.toString()).isZero();

    // after the reset and in verify: every row's kind and row count start at the same column
    for (Cli.Result result : List.of(r, verify)) {
      List<String> rows = result.out().lines().filter(l -> l.startsWith("  ok ")).toList();
      assertThat(rows).as(result.out()).hasSize(5);
      Integer kindColumn = null;
      Integer countEnd = null;
      for (String n : concat(reset, kept)) {
        String shown = "public." + Identifiers.display(n);
        String row = rows.stream().filter(l -> l.contains(shown + " ")).findFirst().orElseThrow();
        int afterName = row.indexOf(shown) + shown.length();
        int kind = row.indexOf(reset.contains(n) ? "reset" : "kept", afterName);
        int count = row.indexOf(" row", kind);
        int kindAt = PlanNamesTest.displayWidth(row.substring(0, kind));
        int countAt = PlanNamesTest.displayWidth(row.substring(0, count));
        if (kindColumn == null) {
          kindColumn = kindAt;
          countEnd = countAt;
        }
        assertThat(kindAt).as("kind column of %s in%n%s", n, result.out()).isEqualTo(kindColumn);
        assertThat(countAt).as("row count of %s in%n%s", n, result.out()).isEqualTo(countEnd);
      }
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}

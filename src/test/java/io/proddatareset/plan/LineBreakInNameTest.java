package io.proddatareset.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A name with a line break cannot travel in the backup (pg_dump's plain format, read back line by
 * line): the plan refuses it as a hazard, and reset and backup refuse before writing anything.
 * Every other odd character tried here (carriage return, tab, backslash, quotes, Unicode line
 * separators) survives a real reset and restore, so it is not refused.
 */
class LineBreakInNameTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  static String q(String name) {
    return TestDatabase.quote(name);
  }

  static List<String> hazardMessages(Cli.Result r) throws Exception {
    List<String> out = new ArrayList<>();
    JSON.readTree(r.out())
        .get("hazards")
        .forEach(
            h -> {
              if (h.get("code").asText().equals("LINE_BREAK_IN_NAME")) {
                out.add(h.get("message").asText() + " | " + h.get("remedy").asText());
              }
            });
    return out;
  }

  @Test
  void aLineBreakInATableColumnSchemaOrSequenceNameIsAHazard() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE " + q("bad\nname") + " (id int)",
        "CREATE TABLE cols (id serial, " + q("two\nlines") + " text)",
        "CREATE SCHEMA " + q("odd\nschema"),
        "CREATE TABLE " + q("odd\nschema") + ".t (id int)",
        "CREATE SEQUENCE " + q("seq\nname"),
        "CREATE TABLE uses_seq (id int DEFAULT nextval('" + q("seq\nname") + "'))",
        "CREATE TABLE kept (id int)",
        "CREATE TABLE " + q("kept\ntoo") + " (id int)",
        "INSERT INTO " + q("bad\nname") + " VALUES (1)",
        "INSERT INTO cols (" + q("two\nlines") + ") VALUES ('x')",
        "INSERT INTO uses_seq DEFAULT VALUES");
    Map<String, List<String>> before = db.snapshot();
    String schemas = "public," + q("odd\nschema");

    Cli.Result r =
        new Cli()
            .run("plan", db.url(), "--schema", schemas, "--keep", "kept,\"kept\ntoo\"", "--json");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    String tail =
        ": the backup (pg_dump's plain format, read back line by line) cannot carry it, so the"
            + " reset would fail its check of the backup. | ";
    assertThat(hazardMessages(r))
        .containsExactlyInAnyOrder(
            "Reset table public.\"bad\\nname\" has a line break in its name"
                + tail
                + "Rename it without the line break (ALTER TABLE public.\"bad\\nname\" RENAME TO"
                + " ...), or keep the table.",
            "Column \"two\\nlines\" of reset table public.cols has a line break in its name"
                + tail
                + "Rename it without the line break (ALTER TABLE public.cols RENAME COLUMN"
                + " \"two\\nlines\" TO ...), or keep the table.",
            "Reset table \"odd\\nschema\".t is in a schema whose name holds a line break"
                + tail
                + "Rename it without the line break (ALTER SCHEMA \"odd\\nschema\" RENAME TO"
                + " ...), or keep the table.",
            "Sequence public.\"seq\\nname\" of reset table public.uses_seq (column id) has a line"
                + " break in its name"
                + tail
                + "Rename it without the line break (ALTER SEQUENCE public.\"seq\\nname\" RENAME"
                + " TO ...), or keep the table.");

    // the text plan keeps one table row per line
    Cli.Result text =
        new Cli().run("plan", db.url(), "--schema", schemas, "--keep", "kept,\"kept\ntoo\"");
    assertThat(text.exitCode()).isEqualTo(3);
    assertThat(text.out())
        .containsPattern("\n  reset +public\\.\"bad\\\\nname\" +1 ")
        .containsPattern("\n  keep +public\\.\"kept\\\\ntoo\" +0 ")
        .containsPattern("\n +[0-9]+\\. public\\.\"bad\\\\nname\"\n")
        .doesNotContain("bad\nname")
        .doesNotContain("kept\ntoo")
        .contains("Schemas: public, odd\\nschema\n");

    Path backup = dir.resolve("reset.sql");
    Cli.Result reset =
        new Cli()
            .run(
                "reset",
                db.url(),
                "--schema",
                schemas,
                "--keep",
                "kept,\"kept\ntoo\"",
                "--backup",
                backup.toString(),
                "--confirm",
                db.name());
    assertThat(reset.exitCode()).as(reset.toString()).isEqualTo(3);
    assertThat(Files.exists(backup)).isFalse();
    assertThat(db.snapshot()).isEqualTo(before);

    Path out = dir.resolve("backup.sql");
    Cli.Result b =
        new Cli().run("backup", db.url(), "--schema", schemas, "--all", "--output", out.toString());
    assertThat(b.exitCode()).as(b.toString()).isEqualTo(3);
    assertThat(b.err())
        .contains(
            "Table public.\"bad\\nname\" has a line break in its name: the backup (pg_dump's plain"
                + " format, read back line by line) cannot carry it, so the backup would fail its"
                + " check of the backup. Rename it without the line break (ALTER TABLE"
                + " public.\"bad\\nname\" RENAME TO ...).")
        .contains("Nothing was written.");
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
    // a backup of tables without such names still works
    Cli.Result fine =
        new Cli().run("backup", db.url(), "--reset", "kept", "--output", out.toString());
    assertThat(fine.exitCode()).as(fine.toString()).isZero();
  }

  @Test
  void otherOddCharactersSurviveAResetAndARestore() throws Exception {
    List<String> names =
        List.of(
            "cr\rname",
            "tab\tname",
            "back\\slash",
            "dq\"name",
            "sq'name",
            "ls\u2028name",
            "\\.",
            "semi;colon");
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec("CREATE TABLE kept (id int)");
    for (String n : names) {
      db.exec(
          "CREATE TABLE " + q(n) + " (id serial, " + q("col " + n) + " text)",
          "INSERT INTO " + q(n) + " (" + q("col " + n) + ") VALUES ('a\nb'), ('c')");
    }
    db.exec(
        "CREATE SCHEMA " + q("s\rchema"),
        "CREATE TABLE " + q("s\rchema") + ".t (v text)",
        "INSERT INTO " + q("s\rchema") + ".t VALUES ('x')");
    String schemas = "public," + q("s\rchema");
    Map<String, List<String>> before = db.snapshot();

    Cli.Result plan =
        new Cli().run("plan", db.url(), "--schema", schemas, "--keep", "kept", "--json");
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    JsonNode p = JSON.readTree(plan.out());
    assertThat(p.get("hazards")).isEmpty();

    Path backup = dir.resolve("odd.sql");
    Cli.Result reset =
        new Cli()
            .run(
                "reset",
                db.url(),
                "--schema",
                schemas,
                "--keep",
                "kept",
                "--backup",
                backup.toString(),
                "--confirm",
                db.name());
    assertThat(reset.exitCode()).as(reset.toString()).isZero();
    for (String n : names) {
      assertThat(db.count(q(n))).as(n).isZero();
    }
    Cli.Result restore =
        new Cli().run("restore", backup.toString(), "--url", db.url(), "--confirm", db.name());
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
  }
}

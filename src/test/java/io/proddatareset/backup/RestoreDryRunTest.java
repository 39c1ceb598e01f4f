package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code restore --dry-run}: which backup would go into which database, what it would load, and
 * what would refuse it; reads only, asks for nothing, writes nothing (not even the audit log).
 */
class RestoreDryRunTest {
  @TempDir Path dir;

  private Cli.Result dryRun(TestDatabase db, Path file, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of("restore", file.toString(), "--url", db.url(), "--dry-run"));
    args.addAll(List.of(extra));
    // as an agent without the user's consent, and without --confirm: neither is needed to look
    return new Cli()
        .env("CLAUDECODE", "1")
        .env("XDG_STATE_HOME", dir.resolve("state").toString())
        .run(args.toArray(String[]::new));
  }

  @Test
  void showsTargetSourceTablesAndSequencesAndChangesNothing() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("pm.sql.gz");
    assertThat(RoundTrips.backup(db, file, "--all").exitCode()).isZero();
    BackupManifest m = ManifestFile.read(ManifestFile.pathFor(file));
    RoundTrips.emptyEverything(db);
    Map<String, List<String>> empty = db.snapshot();
    Map<String, String> sequences = db.sequences();

    Cli.Result r = dryRun(db, file);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("Dry run: restore " + file + " into " + "postgresql://postgres@localhost:")
        .contains("Source: database '" + db.name() + "' (system identifier ")
        .contains("Target: database '" + db.name() + "'")
        .contains(
            String.format(
                java.util.Locale.ROOT,
                "It would load %d tables, %,d rows (the file was read and matches its manifest)",
                m.tables().size(),
                m.totalRows()))
        .contains("Sequences it would set")
        .contains("public.projects_id_seq")
        .contains("The restore would go ahead");
    for (BackupManifest.TableEntry t : m.tables()) {
      assertThat(r.out())
          .containsPattern(
              java.util.regex.Pattern.quote(t.name())
                  + " +"
                  + String.format(java.util.Locale.ROOT, "%,d", t.rows())
                  + (t.rows() == 1 ? " row   target empty" : " rows  target empty"));
    }
    assertThat(db.snapshot()).isEqualTo(empty);
    assertThat(db.sequences()).isEqualTo(sequences);
    assertThat(dir.resolve("state")).doesNotExist();

    JsonNode json = new ObjectMapper().readTree(dryRun(db, file, "--json").out());
    assertThat(json.get("wouldRestore").asBoolean()).isTrue();
    assertThat(json.get("source").get("database").asText()).isEqualTo(db.name());
    assertThat(json.get("rows").asLong()).isEqualTo(m.totalRows());
    assertThat(json.get("tables")).hasSize(m.tables().size());
    assertThat(json.get("refusals")).isEmpty();
  }

  @Test
  void listsEveryReasonTheRestoreWouldBeRefused() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("pm.sql");
    assertThat(RoundTrips.backup(db, file, "--all").exitCode()).isZero();
    // the target still holds its rows, and one table of the backup is gone
    db.exec("DROP TABLE entity_tags");
    Map<String, List<String>> before = db.snapshot();

    Cli.Result r = dryRun(db, file);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.out())
        .contains("The restore would be refused:")
        .contains("no such table in the target: public.entity_tags")
        .contains("these tables already hold rows: ")
        .contains("public.projects")
        .containsPattern("public\\.projects +1 row   target HAS ROWS")
        .containsPattern("public\\.entity_tags +[0-9,]+ rows  MISSING in the target");
    assertThat(r.err()).contains("The restore would be refused").contains("Nothing was changed");
    assertThat(db.snapshot()).isEqualTo(before);

    JsonNode json = new ObjectMapper().readTree(dryRun(db, file, "--json").out());
    assertThat(json.get("wouldRestore").asBoolean()).isFalse();
    assertThat(json.get("refusals")).hasSize(2);
  }

  @Test
  void anotherDatabaseAChecksumMismatchAndOnly() throws Exception {
    TestDatabase source = TestPostgres.freshDatabase().loadPmAgent(1);
    TestDatabase target = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("pm.sql");
    assertThat(RoundTrips.backup(source, file, "--all").exitCode()).isZero();
    RoundTrips.emptyEverything(target);

    Cli.Result other = dryRun(target, file);
    assertThat(other.exitCode()).as(other.toString()).isEqualTo(3);
    assertThat(other.out())
        .contains("the backup is of database '" + source.name() + "'")
        .contains("pass --allow-other-database");
    Cli.Result allowed = dryRun(target, file, "--allow-other-database");
    assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
    assertThat(allowed.out()).contains("Warning: the backup is of database '" + source.name());

    Cli.Result only = dryRun(target, file, "--allow-other-database", "--only", "tags");
    assertThat(only.exitCode()).as(only.toString()).isZero();
    assertThat(only.out())
        .contains("It would load 1 table,")
        .contains("public.tags_id_seq")
        .doesNotContain("public.projects_id_seq")
        .contains("Left out (--only): ");

    // one digit of a row changed: the same rows, another checksum
    byte[] bytes = Files.readAllBytes(file);
    String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = text.indexOf('\n', text.indexOf("COPY public.raw_notes")) + 1;
    while (!Character.isDigit(bytes[at])) {
      at++;
    }
    bytes[at] = (byte) (bytes[at] == '9' ? '8' : bytes[at] + 1);
    Files.write(file, bytes);
    Cli.Result damaged = dryRun(target, file, "--allow-other-database");
    assertThat(damaged.exitCode()).as(damaged.toString()).isEqualTo(3);
    assertThat(damaged.out())
        .contains("the backup does not match its manifest")
        .contains("public.raw_notes: the data's SHA-256 differs");
  }

  @Test
  void aFileWithoutAManifestIsReadForItsRows() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("pm.sql");
    assertThat(RoundTrips.backup(db, file, "--all").exitCode()).isZero();
    long projects = db.count("projects");
    Files.delete(ManifestFile.pathFor(file));
    RoundTrips.emptyEverything(db);

    Cli.Result r = dryRun(db, file);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("Source: not recorded: " + file + " has no manifest beside it")
        .contains("(the file was read; no manifest to check it against)")
        .containsPattern(
            "public\\.projects +"
                + projects
                + (projects == 1 ? " row   " : " rows  ")
                + "target empty");
  }
}

package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands as the seed's workflow uses them: policy, plan id, confirmation, audit, consent. */
class BackupRestoreCommandTest {
  private static final List<String> SEED_RESET =
      List.of(
          "public.entities",
          "public.entity_events",
          "public.entity_relationships",
          "public.entity_sources",
          "public.entity_tags",
          "public.epics",
          "public.projects",
          "public.raw_notes",
          "public.review_queue",
          "public.tags");

  @TempDir Path dir;

  @Test
  void backsUpWhatThePolicyResetsAndRestoresIt() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    Map<String, String> sequences = db.sequences();
    Path file = dir.resolve("pm.sql.gz");
    Path audit = dir.resolve("audit.jsonl");

    Cli.Result plan =
        new Cli().run("plan", "--url", db.url(), "--keep", "users,api_keys", "--json");
    String planId = new ObjectMapper().readTree(plan.out()).get("planId").asText();
    Cli.Result b =
        RoundTrips.backup(
            db, file, "--keep", "users,api_keys", "--audit-log", audit.toString(), "--json");

    assertThat(b.exitCode()).as(b.toString()).isZero();
    JsonNode manifest = new ObjectMapper().readTree(b.out());
    assertThat(manifest.get("planId").asText()).isEqualTo(planId);
    assertThat(manifest.get("tables").findValuesAsText("name"))
        .containsExactlyInAnyOrderElementsOf(SEED_RESET);
    // parents before children
    List<String> order = manifest.get("tables").findValuesAsText("name");
    assertThat(order.indexOf("public.projects")).isLessThan(order.indexOf("public.entities"));
    assertThat(order.indexOf("public.entities")).isLessThan(order.indexOf("public.entity_tags"));
    assertThat(Files.readString(ManifestFile.pathFor(file))).isEqualTo(b.out());
    assertThat(b.out()).doesNotContain("password");
    // the file holds production rows: only its owner may read it
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");

    // empty exactly the reset tables, as the reset would
    db.exec("TRUNCATE " + String.join(", ", SEED_RESET) + " RESTART IDENTITY");
    Cli.Result r =
        new Cli()
            .stdin(db.name() + "\n", true)
            .run("restore", file.toString(), "--url", db.url(), "--audit-log", audit.toString());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.err()).contains("type the database name");
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.sequences()).isEqualTo(sequences);

    List<String> lines = Files.readAllLines(audit);
    assertThat(lines).hasSize(4);
    ObjectMapper json = new ObjectMapper();
    assertThat(
            lines.stream()
                .map(
                    l ->
                        read(json, l).get("command").asText()
                            + " "
                            + read(json, l).get("outcome").asText()))
        .containsExactly(
            "backup started", "backup succeeded", "restore started", "restore succeeded");
    JsonNode done = read(json, lines.get(1));
    assertThat(done.get("backup").get("sha256").asText())
        .isEqualTo(manifest.get("fileSha256").asText());
    assertThat(done.get("planId").asText()).isEqualTo(planId);
  }

  @Test
  void confirmationAgentConsentAndRefusalsAreRecorded() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("pm.sql");
    Path audit = dir.resolve("audit.jsonl");
    assertThat(RoundTrips.backup(db, file, "--all", "--audit-log", audit.toString()).exitCode())
        .isZero();
    Map<String, List<String>> before = db.snapshot();
    String log = "--audit-log=" + audit;

    Cli.Result noTerminal = new Cli().run("restore", file.toString(), "--url", db.url(), log);
    assertThat(noTerminal.exitCode()).isEqualTo(3);
    assertThat(noTerminal.err()).contains("--confirm " + db.name());

    Cli.Result wrongName =
        new Cli().stdin("prod\n", true).run("restore", file.toString(), "--url", db.url(), log);
    assertThat(wrongName.exitCode()).isEqualTo(5);

    Cli.Result agent =
        new Cli()
            .env("CLAUDECODE", "1")
            .run("restore", file.toString(), "--url", db.url(), "--confirm", db.name(), log);
    assertThat(agent.exitCode()).isEqualTo(3);
    assertThat(agent.err()).contains("PDR_USER_CONSENT");

    Cli.Result notEmpty =
        new Cli()
            .env("CLAUDECODE", "1")
            .env("PDR_USER_CONSENT", "Yes, restore the pm backup into the test database")
            .run("restore", file.toString(), "--url", db.url(), "--confirm", db.name(), log);
    assertThat(notEmpty.exitCode()).as(notEmpty.toString()).isEqualTo(3);
    assertThat(notEmpty.err()).contains("already hold rows");
    assertThat(db.snapshot()).isEqualTo(before);

    ObjectMapper json = new ObjectMapper();
    List<JsonNode> records = Files.readAllLines(audit).stream().map(l -> read(json, l)).toList();
    assertThat(
            records.stream().map(r -> r.get("command").asText() + " " + r.get("outcome").asText()))
        .containsExactly(
            "backup started",
            "backup succeeded",
            "restore refused",
            "restore refused",
            "restore refused",
            "restore started",
            "restore refused");
    assertThat(records.get(6).get("consent").asText()).startsWith("Yes, restore");
  }

  @Test
  void refusesWithoutATableChoiceAndRestoresOnlyWhatIsAsked() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("pm.sql.zst");
    Cli.Result none = RoundTrips.backup(db, file);
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.err()).contains("--all");

    assertThat(RoundTrips.backup(db, file, "--all").exitCode()).isZero();
    Map<String, List<String>> before = db.snapshot();
    Map<String, String> sequences = db.sequences();
    // the other tables' sequences move on; --only must leave them where they are
    db.exec("SELECT nextval('projects_id_seq')", "TRUNCATE entity_tags, tags RESTART IDENTITY");
    Map<String, String> expected = new java.util.TreeMap<>(sequences);
    expected.putAll(Map.of("public.projects_id_seq", db.sequences().get("public.projects_id_seq")));
    Cli.Result r = RoundTrips.restore(db, file, "--only", "tags,entity_tags");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Left out (--only)").contains("and 1 sequence from");
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.sequences()).isEqualTo(expected).isNotEqualTo(sequences);

    Cli.Result typo = RoundTrips.restore(db, file, "--only", "tagz");
    assertThat(typo.exitCode()).isEqualTo(2);
    assertThat(typo.err()).contains("Not in the backup: tagz").contains("public.tags");
  }

  private static JsonNode read(ObjectMapper json, String line) {
    try {
      return json.readTree(line);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theGzipLevelCanBeChosenAndOnlyForGzip() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    Map<String, List<String>> before = db.snapshot();
    Path fast = dir.resolve("fast.sql.gz");
    Path small = dir.resolve("small.sql.gz");
    assertThat(RoundTrips.backup(db, fast, "--all").exitCode()).isZero();
    Cli.Result b = RoundTrips.backup(db, small, "--all", "--compression-level", "9");
    assertThat(b.exitCode()).as(b.toString()).isZero();
    assertThat(Files.size(small)).isLessThan(Files.size(fast));
    // the same data, whatever the level: the manifests list the same checksums
    BackupManifest m1 = ManifestFile.read(ManifestFile.pathFor(fast));
    BackupManifest m9 = ManifestFile.read(ManifestFile.pathFor(small));
    assertThat(m9.tables()).isEqualTo(m1.tables());

    db.exec(
        "TRUNCATE "
            + String.join(", ", m9.tables().stream().map(t -> t.name()).toList())
            + " RESTART IDENTITY");
    Cli.Result r = RoundTrips.restore(db, small);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);

    for (String[] wrong :
        List.of(
            new String[] {"backup", "--all", "-o", dir.resolve("x.sql.zst").toString()},
            new String[] {"backup", "--all", "-o", dir.resolve("x.sql").toString()},
            new String[] {
              "reset", "--keep", "users", "--backup", dir.resolve("x.sql").toString()
            })) {
      List<String> args = new java.util.ArrayList<>(List.of(wrong));
      args.addAll(List.of("--url", db.url(), "--compression-level", "5"));
      Cli.Result e = new Cli().run(args.toArray(String[]::new));
      assertThat(e.exitCode()).as(e.toString()).isEqualTo(2);
      assertThat(e.err()).contains("--compression-level is for gzip backups");
    }
    Cli.Result outOfRange =
        RoundTrips.backup(db, dir.resolve("y.sql.gz"), "--all", "--compression-level", "10");
    assertThat(outOfRange.exitCode()).isEqualTo(2);
    assertThat(outOfRange.err()).contains("between 1 and 9");
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(dir.resolve("x.sql")).doesNotExist();
    assertThat(dir.resolve("y.sql.gz")).doesNotExist();
  }
}

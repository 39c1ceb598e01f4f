package io.proddatareset.backup;

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

/**
 * A backup or a reset's manifest belongs to one database: restore and verify compare the name and
 * the server's system identifier recorded in the manifest with the target's, and {@code verify}
 * checks what the manifest says was reset, not what an absent policy names.
 */
class BackupOriginTest {
  private static final Path POLICY = Path.of("examples/pm-agent.policy.yaml").toAbsolutePath();

  @TempDir Path dir;

  private Cli cli() {
    return new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString());
  }

  /** Resets {@code db} with the example policy and returns the manifest of its backup. */
  private Path reset(TestDatabase db, String name) {
    Path backup = dir.resolve(name);
    Cli.Result r =
        cli()
            .run(
                "reset",
                db.url(),
                "--policy",
                POLICY.toString(),
                "--backup",
                backup.toString(),
                "--confirm",
                db.name());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return ManifestFile.pathFor(backup);
  }

  @Test
  void verifyWithoutAPolicyOrAManifestRefusesInsteadOfPassing() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Cli.Result r = cli().run("verify", db.url());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("Say what to verify").contains("--manifest");
    assertThat(r.out()).doesNotContain("Verified");
    Cli.Result json = cli().run("verify", db.url(), "--json");
    assertThat(json.exitCode()).as(json.toString()).isEqualTo(2);
  }

  @Test
  void verifyWithOnlyTheManifestChecksTheTablesItBackedUp() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path manifest = reset(db, "pm.sql");
    BackupManifest m;
    try {
      m = ManifestFile.read(manifest);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    int resetTables = m.tables().size();
    int keptTables = m.kept().size();

    Cli.Result ok = cli().run("verify", db.url(), "--manifest", manifest.toString());
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    assertThat(ok.out())
        .contains("Verified: " + resetTables + " reset tables empty, " + keptTables)
        .contains("public.projects");

    // the rows come back (as by a restore): pre-reset rows are back, and verify says so
    Path backup = dir.resolve("pm.sql");
    Cli.Result restored = RoundTrips.restore(db, backup);
    assertThat(restored.exitCode()).as(restored.toString()).isZero();
    Cli.Result full = cli().run("verify", db.url(), "--manifest", manifest.toString());
    assertThat(full.exitCode()).as(full.toString()).isEqualTo(4);
    assertThat(full.out()).contains("FAIL").contains("public.projects");
    assertThat(full.err())
        .contains("public.projects has")
        .contains("the reset removed")
        .contains("pre-reset rows are back");
  }

  @Test
  void verifyRefusesAManifestOfAnotherDatabaseOrAnotherServer() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    TestDatabase other = TestPostgres.freshDatabase().loadPmAgent(1);
    Path manifest = reset(db, "pm.sql");

    Cli.Result r = cli().run("verify", other.url(), "--manifest", manifest.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.err())
        .contains("Refusing to verify")
        .contains("'" + db.name() + "'")
        .contains("'" + other.name() + "'")
        .contains("Nothing was checked");
    assertThat(r.out()).doesNotContain("Verified");

    // the same name on another server: only the system identifier tells
    Path elsewhere = dir.resolve("elsewhere.manifest.json");
    Files.writeString(
        elsewhere,
        Files.readString(manifest)
            .replaceFirst("\"systemIdentifier\" : \"\\d+\"", "\"systemIdentifier\" : \"42\""));
    Cli.Result server = cli().run("verify", db.url(), "--manifest", elsewhere.toString());
    assertThat(server.exitCode()).as(server.toString()).isEqualTo(3);
    assertThat(server.err())
        .contains("on another server")
        .contains("its system identifier is 42")
        .contains(systemIdentifier(db));
  }

  @Test
  void aManifestOfANewerFormatIsRefusedAsBadInput() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("pm.sql");
    assertThat(RoundTrips.backup(db, file, "--all").exitCode()).isZero();
    Path manifest = ManifestFile.pathFor(file);
    Files.writeString(
        manifest,
        Files.readString(manifest).replace("\"formatVersion\" : 1", "\"formatVersion\" : 4"));
    RoundTrips.emptyEverything(db);
    Map<String, List<String>> empty = db.snapshot();

    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("written by a newer prod-data-reset; upgrade");
    Cli.Result dry = RoundTrips.restore(db, file, "--dry-run");
    assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(2);
    Cli.Result v = cli().run("verify", db.url(), "--manifest", manifest.toString());
    assertThat(v.exitCode()).as(v.toString()).isEqualTo(2);
    assertThat(v.err()).contains("newer prod-data-reset");
    assertThat(db.snapshot()).isEqualTo(empty);
  }

  @Test
  void restoreIntoAnotherDatabaseShowsBothAndRefusesUnlessAllowed() throws Exception {
    TestDatabase source = TestPostgres.freshDatabase().loadPmAgent(1);
    TestDatabase target = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("pm.sql");
    assertThat(RoundTrips.backup(source, file, "--all").exitCode()).isZero();
    Map<String, List<String>> full = source.snapshot();
    RoundTrips.emptyEverything(target);
    Map<String, List<String>> empty = target.snapshot();
    Path audit = dir.resolve("audit.jsonl");

    // shown before the prompt: a person at a terminal sees both before typing the name
    Cli.Result asked =
        cli()
            .stdin(target.name() + "\n", true)
            .run(
                "restore", file.toString(), "--url", target.url(), "--audit-log", audit.toString());
    assertThat(asked.exitCode()).as(asked.toString()).isEqualTo(3);
    assertThat(asked.err())
        .contains("Source: database '" + source.name() + "' (system identifier ")
        .contains("at postgresql://postgres@localhost:" + source.port() + "/" + source.name())
        .contains("Target: database '" + target.name() + "'")
        .contains("Refusing to restore: the backup is of database '" + source.name() + "'")
        .contains("--allow-other-database")
        .doesNotContain("type the database name");
    assertThat(target.snapshot()).isEqualTo(empty);
    assertThat(Files.readString(audit)).contains("\"refused\"");

    Cli.Result allowed = RoundTrips.restore(target, file, "--allow-other-database");
    assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
    assertThat(allowed.err())
        .contains("Source: database '" + source.name() + "'")
        .contains("warning: the backup is of database '" + source.name() + "'");
    assertThat(target.snapshot()).isEqualTo(full);
  }

  @Test
  void aSameNamedDatabaseOnAnotherServerIsAnotherDatabase() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("pm.sql");
    assertThat(RoundTrips.backup(db, file, "--all").exitCode()).isZero();
    Path manifest = ManifestFile.pathFor(file);
    String id = systemIdentifier(db);
    assertThat(Files.readString(manifest)).contains("\"systemIdentifier\" : \"" + id + "\"");
    Files.writeString(
        manifest,
        Files.readString(manifest)
            .replace("\"systemIdentifier\" : \"" + id + "\"", "\"systemIdentifier\" : \"12345\""));
    RoundTrips.emptyEverything(db);
    Map<String, List<String>> empty = db.snapshot();

    Cli.Result r = RoundTrips.restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.err())
        .contains("a database named '" + db.name() + "' on another server")
        .contains("its system identifier is 12345, the target's " + id);
    assertThat(db.snapshot()).isEqualTo(empty);
  }

  @Test
  void aFileWithoutAManifestSaysItsSourceIsNotRecordedBeforeTheConfirmation() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("dump.sql");
    assertThat(RoundTrips.backup(db, file, "--all").exitCode()).isZero();
    Files.delete(ManifestFile.pathFor(file));
    RoundTrips.emptyEverything(db);

    Cli.Result r = cli().stdin("wrong\n", true).run("restore", file.toString(), "--url", db.url());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(5);
    String err = r.err();
    assertThat(err).contains("Source: not recorded: " + file + " has no manifest beside it");
    assertThat(err.indexOf("Source: not recorded"))
        .isLessThan(err.indexOf("type the database name"));
  }

  private static String systemIdentifier(TestDatabase db) {
    return db.queryStrings("SELECT system_identifier::text FROM pg_control_system()").get(0);
  }
}

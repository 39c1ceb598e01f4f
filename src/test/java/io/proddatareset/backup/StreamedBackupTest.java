package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code backup --output -} streams the backup to stdout, as pg_dump does, with the manifest where
 * {@code --manifest} says; nothing else goes to stdout, and no file named {@code -} appears.
 */
class StreamedBackupTest {
  @TempDir Path dir;

  private Cli.BytesResult stream(TestDatabase db, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(List.of("backup", "--url", db.url(), "--all", "-o", "-"));
    args.addAll(List.of(extra));
    return new Cli().runForBytes(args.toArray(String[]::new));
  }

  @Test
  void aPlainStreamSavedToAFileRestoresAndIsCheckedAgainstItsManifest() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    Map<String, String> sequences = db.sequences();
    Path saved = dir.resolve("pm.sql");
    Path manifest = ManifestFile.pathFor(saved);
    Path cwdDash = Path.of("-").toAbsolutePath();
    assertThat(cwdDash).doesNotExist();

    Cli.BytesResult b = stream(db, "--manifest", manifest.toString(), "-j", "2");

    assertThat(b.exitCode()).as(b.toString()).isZero();
    String text = new String(b.out(), StandardCharsets.UTF_8);
    // only the backup on stdout: it starts with pg_dump's header and ends with its last line
    assertThat(text).startsWith("--\n-- PostgreSQL database dump\n");
    assertThat(text.strip()).endsWith("-- PostgreSQL database dump complete\n--");
    assertThat(text).doesNotContain("Backed up").doesNotContain("Restore with");
    assertThat(b.err())
        .contains("Backed up 13 tables")
        .contains("to stdout")
        .contains("Not read back: a stream cannot be")
        .contains(manifest.toString());
    assertThat(cwdDash).doesNotExist();
    BackupManifest m = ManifestFile.read(manifest);
    assertThat(m.fileBytes()).isEqualTo(b.out().length);
    java.security.MessageDigest digest = Sha256.digest();
    digest.update(b.out());
    assertThat(m.fileSha256()).isEqualTo(Sha256.hex(digest));
    assertThat(m.compression()).isEqualTo("plain");
    assertThat(m.file()).isEqualTo("-");

    // the stream saved (as `> pm.sql` would) restores, checked against the manifest beside it
    Files.write(saved, b.out());
    RoundTrips.emptyEverything(db);
    Cli.Result r = RoundTrips.restore(db, saved);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Checked: every table's rows and SHA-256 matched the manifest");
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.sequences()).isEqualTo(sequences);

    // one byte changed in the saved stream: the manifest catches it
    RoundTrips.emptyEverything(db);
    Map<String, List<String>> empty = db.snapshot();
    byte[] damaged = b.out().clone();
    int at = text.indexOf("\n", text.indexOf("COPY public.raw_notes")) + 3;
    damaged[at] = (byte) (damaged[at] == 'x' ? 'y' : 'x');
    Files.write(saved, damaged);
    Cli.Result bad = RoundTrips.restore(db, saved);
    assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(3);
    assertThat(db.snapshot()).isEqualTo(empty);
  }

  @Test
  void psqlRestoresThePlainStream() throws Exception {
    assumeTrue(PsqlCompatibilityTest.onPath("psql"), "psql is not installed");
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Map<String, List<String>> before = db.snapshot();
    Cli.BytesResult b = stream(db, "--manifest", dir.resolve("m.json").toString());
    assertThat(b.exitCode()).as(b.toString()).isZero();
    RoundTrips.emptyEverything(db);
    Process p =
        new ProcessBuilder(
                "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "localhost",
                "-p",
                Integer.toString(db.port()),
                "-U",
                "postgres",
                "-d",
                db.name())
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().write(b.out());
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void gzipAndZstdStreamsWhenAsked() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Map<String, List<String>> before = db.snapshot();
    Cli.BytesResult plain = stream(db, "--manifest", dir.resolve("plain.json").toString());
    assertThat(plain.exitCode()).as(plain.toString()).isZero();

    Cli.BytesResult gz =
        stream(
            db,
            "--manifest",
            dir.resolve("pm.sql.gz.manifest.json").toString(),
            "--compress",
            "gzip",
            "--compression-level",
            "6");
    assertThat(gz.exitCode()).as(gz.toString()).isZero();
    assertThat(gz.out()[0] & 0xff).isEqualTo(0x1f);
    assertThat(gz.out()[1] & 0xff).isEqualTo(0x8b);
    byte[] inflated = new GZIPInputStream(new ByteArrayInputStream(gz.out())).readAllBytes();
    assertThat(sortedLines(inflated)).isEqualTo(sortedLines(plain.out()));
    assertThat(ManifestFile.read(dir.resolve("pm.sql.gz.manifest.json")).compression())
        .isEqualTo("gzip");

    Cli.BytesResult zst =
        stream(
            db,
            "--manifest",
            dir.resolve("pm.sql.zst.manifest.json").toString(),
            "--compress",
            "zstd");
    assertThat(zst.exitCode()).as(zst.toString()).isZero();
    assertThat(zst.out()[0] & 0xff).isEqualTo(0x28);

    // both restore from files holding the bytes, checked against their manifests
    for (String name : List.of("pm.sql.gz", "pm.sql.zst")) {
      Files.write(dir.resolve(name), name.endsWith(".gz") ? gz.out() : zst.out());
      RoundTrips.emptyEverything(db);
      Cli.Result r = RoundTrips.restore(db, dir.resolve(name));
      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(r.out()).contains("Checked: every table's rows and SHA-256 matched");
      assertThat(db.snapshot()).as(name).isEqualTo(before);
    }
  }

  @Test
  void badCombinationsAreRefusedBeforeAnythingIsWritten() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path existing = Files.writeString(dir.resolve("old.json"), "{}");
    Object[][] cases = {
      {new String[] {}, "--manifest FILE"},
      {new String[] {"--manifest", existing.toString()}, "already exists"},
      {new String[] {"--manifest", dir.resolve("no/such/m.json").toString()}, "does not exist"},
      {new String[] {"--manifest", dir.resolve("m.json").toString(), "--json"}, "--json"},
      {
        new String[] {"--manifest", dir.resolve("m.json").toString(), "--compress", "lz4"},
        "plain, gzip or zstd"
      },
      {
        new String[] {"--manifest", dir.resolve("m.json").toString(), "--compression-level", "5"},
        "--compress gzip"
      },
    };
    for (Object[] c : cases) {
      Cli.BytesResult r = stream(db, (String[]) c[0]);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.err()).contains((String) c[1]);
      assertThat(r.out()).isEmpty();
    }
    assertThat(dir.resolve("m.json")).doesNotExist();

    // with a file name, the name decides the compression, and --compress must agree
    Cli.Result contradicts =
        RoundTrips.backup(db, dir.resolve("pm.sql"), "--all", "--compress", "gzip");
    assertThat(contradicts.exitCode()).as(contradicts.toString()).isEqualTo(2);
    assertThat(contradicts.err()).contains("contradicts the file name").contains("pm.sql");
    Cli.Result agrees =
        RoundTrips.backup(db, dir.resolve("pm.sql.gz"), "--all", "--compress", "gzip");
    assertThat(agrees.exitCode()).as(agrees.toString()).isZero();
    Cli.Result manifestWithFile =
        RoundTrips.backup(
            db, dir.resolve("x.sql"), "--all", "--manifest", dir.resolve("x.json").toString());
    assertThat(manifestWithFile.exitCode()).isEqualTo(2);
    assertThat(manifestWithFile.err()).contains("--manifest goes with --output -");
    assertThat(dir.resolve("pm.sql")).doesNotExist();
    assertThat(dir.resolve("x.sql")).doesNotExist();
    assertThat(Path.of("-").toAbsolutePath()).doesNotExist();
  }

  @Test
  void tablesCopiedInPartsAtOnceStreamInOrderAndRestore() throws Exception {
    TestDatabase db = RoundTrips.loadTricky(TestPostgres.freshDatabase());
    Map<String, List<String>> before = db.snapshot();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    BackupResult b =
        RoundTrips.backup(
            db,
            BackupDestination.stream(out, Compression.GZIP, dir.resolve("t.sql.gz.manifest.json")),
            3,
            BackupTuning.DEFAULT.withPartPages(1),
            "public",
            "Odd Schema");
    assertThat(b.file()).isNull();
    assertThat(b.manifestFile()).exists();
    if (TestPostgres.majorVersion() >= 14) {
      assertThat(b.manifest().tables())
          .anySatisfy(t -> assertThat(t.parts()).hasSizeGreaterThan(1));
    }
    Files.write(dir.resolve("t.sql.gz"), out.toByteArray());
    RoundTrips.emptyEverything(db);
    Cli.Result r = RoundTrips.restore(db, dir.resolve("t.sql.gz"));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
  }

  /** A reader that goes away (`| head`): the backup fails, and says what was sent is no good. */
  @Test
  void aClosedPipeFailsTheBackupAndWritesNoManifest() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(5);
    Path manifest = dir.resolve("m.json");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.proddatareset.cli.Main",
                "backup",
                "--url",
                db.url(),
                "--all",
                "-o",
                "-",
                "--manifest",
                manifest.toString(),
                "--audit-log",
                dir.resolve("audit.jsonl").toString())
            .redirectError(dir.resolve("err.txt").toFile())
            .start();
    byte[] head = p.getInputStream().readNBytes(1000);
    assertThat(new String(head, StandardCharsets.UTF_8)).startsWith("--\n-- PostgreSQL");
    p.getInputStream().close();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String err = Files.readString(dir.resolve("err.txt"));
    assertThat(p.exitValue()).as(err).isEqualTo(1);
    assertThat(err)
        .contains("Backup to stdout failed while writing")
        .contains("What was already sent to stdout is incomplete: discard it")
        .contains("No manifest was written")
        .doesNotContain("Exception");
    assertThat(manifest).doesNotExist();
  }

  private static List<String> sortedLines(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8).lines().sorted().toList();
  }
}

package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup is what pg_dump --data-only writes: psql -f restores it (skipped without psql), and
 * gzip -d / zstd -d read the concatenated members of a compressed one.
 */
class PsqlCompatibilityTest {
  @TempDir Path dir;

  @Test
  void psqlRestoresThePlainBackup() throws Exception {
    assumeTrue(onPath("psql"), "psql is not installed");
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    Map<String, String> sequences = db.sequences();
    Path file = dir.resolve("pm.sql");
    Cli.Result b = RoundTrips.backup(db, file, "--all", "-j", "2");
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
                db.name(),
                "-f",
                file.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.sequences()).isEqualTo(sequences);
  }

  @Test
  void gzipAndZstdToolsReadCompressedBackupsWrittenInParts() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    BackupTuning parts = BackupTuning.DEFAULT.withPartPages(2);
    Path plain = dir.resolve("pm.sql");
    RoundTrips.backup(db, BackupDestination.file(plain), 1, parts);
    for (String name : List.of("pm.sql.gz", "pm.sql.zst")) {
      Path file = dir.resolve(name);
      RoundTrips.backup(db, BackupDestination.file(file), 3, parts);
      if (TestPostgres.majorVersion() >= 14) {
        // tables are split into parts by ctid ranges only from PostgreSQL 14 on
        assertThat(ManifestFile.read(ManifestFile.pathFor(file)).tables())
            .anySatisfy(t -> assertThat(t.parts()).hasSizeGreaterThan(2));
      }
      String tool = name.endsWith(".gz") ? "gzip" : "zstd";
      if (!onPath(tool)) {
        continue;
      }
      Path out = dir.resolve(name + ".out");
      Process p =
          new ProcessBuilder(tool, "-d", "-c", file.toString())
              .redirectOutput(out.toFile())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
      // the same rows as the plain backup, possibly in another order within a table
      assertThat(sortedLines(out)).isEqualTo(sortedLines(plain));
    }
  }

  private static List<String> sortedLines(Path p) throws IOException {
    return Files.readAllLines(p).stream().sorted().toList();
  }

  static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}

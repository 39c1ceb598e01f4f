package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore that reads a damaged backup (a changed byte, a cut-off file, a broken gzip or zstd
 * stream; with its manifest or without) is refused by a check with nothing changed: exit 3, every
 * time. A path that cannot be used is exit 2.
 */
class DamagedBackupExitCodeTest {
  @TempDir Path dir;

  /** Backs up every table to {@code name}, and removes the manifest unless {@code withManifest}. */
  private Path backup(TestDatabase db, String name, boolean withManifest) throws Exception {
    Path file = dir.resolve(name);
    Cli.Result b = RoundTrips.backup(db, file, "--all");
    assertThat(b.exitCode()).as(b.toString()).isZero();
    if (!withManifest) {
      Files.delete(ManifestFile.pathFor(file));
    }
    return file;
  }

  @Test
  void everyKindOfDamageWithOrWithoutAManifestIsExit3WithNothingChanged() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    List<Path> damaged = new java.util.ArrayList<>();
    for (boolean manifest : new boolean[] {true, false}) {
      String tag = manifest ? "m" : "bare";
      for (String ext : List.of(".sql", ".sql.gz", ".sql.zst")) {
        // cut off at two thirds of the file
        Path cut = backup(db, "cut-" + tag + ext, manifest);
        byte[] bytes = Files.readAllBytes(cut);
        Files.write(cut, Arrays.copyOf(bytes, bytes.length * 2 / 3));
        damaged.add(cut);
      }
      for (String ext : List.of(".sql.gz", ".sql.zst")) {
        // one byte in the middle of the compressed stream
        Path flipped = backup(db, "flip-" + tag + ext, manifest);
        byte[] bytes = Files.readAllBytes(flipped);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(flipped, bytes);
        damaged.add(flipped);
      }
    }
    // a gzip header followed by garbage, with no manifest to compare with
    byte[] garbage = new byte[4096];
    new Random(7).nextBytes(garbage);
    garbage[0] = 0x1f;
    garbage[1] = (byte) 0x8b;
    garbage[2] = 8;
    garbage[3] = 0;
    damaged.add(Files.write(dir.resolve("garbage.sql.gz"), garbage));
    // a plain file cut inside a table's rows, no manifest
    Path plain = backup(db, "short.sql", false);
    String text = Files.readString(plain);
    Files.writeString(
        plain, text.substring(0, text.indexOf("\n", text.indexOf("COPY public.raw_notes")) + 40));
    damaged.add(plain);
    // every block whole, the final line missing: cut off between two statements
    Path noFooter = backup(db, "no-footer.sql", false);
    String whole = Files.readString(noFooter);
    Files.writeString(noFooter, whole.substring(0, whole.indexOf("SELECT pg_catalog.setval")));
    damaged.add(noFooter);

    RoundTrips.emptyEverything(db);
    Map<String, List<String>> empty = db.snapshot();
    for (Path file : damaged) {
      for (String mode : List.of("restore", "dry run")) {
        Cli.Result r =
            mode.equals("restore")
                ? RoundTrips.restore(db, file)
                : RoundTrips.restore(db, file, "--dry-run");
        assertThat(r.exitCode()).as(mode + " " + file.getFileName() + "\n" + r).isEqualTo(3);
        assertThat(r.err()).as(file.getFileName().toString()).contains("error: ");
        assertThat(r.err()).doesNotContain("Exception");
        assertThat(db.snapshot()).as(file.getFileName().toString()).isEqualTo(empty);
      }
    }
  }

  @Test
  void badPathsAreExit2() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Cli.Result missing = RoundTrips.restore(db, dir.resolve("no-such.sql"));
    assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(2);
    assertThat(missing.err()).contains("no such file");

    Cli.Result directory = RoundTrips.restore(db, dir);
    assertThat(directory.exitCode()).as(directory.toString()).isEqualTo(2);
    assertThat(directory.err()).contains("is a directory");

    Path file = backup(db, "pm.sql", true);
    Files.writeString(ManifestFile.pathFor(file), "{\"formatVersion\": 1,");
    Cli.Result badManifest = RoundTrips.restore(db, file);
    assertThat(badManifest.exitCode()).as(badManifest.toString()).isEqualTo(2);
    assertThat(badManifest.err()).contains("Cannot read the manifest");

    // not damaged, just not something restore loads: bad input
    Path ddl = Files.writeString(dir.resolve("schema.sql"), "CREATE TABLE t (a int);\n");
    Cli.Result schema = RoundTrips.restore(db, ddl);
    assertThat(schema.exitCode()).as(schema.toString()).isEqualTo(2);
    assertThat(schema.err()).contains("not a data statement");
  }
}

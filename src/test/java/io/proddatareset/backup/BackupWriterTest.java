package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer's own machinery: parts that spill to disk while they wait, and the read-back. */
class BackupWriterTest {
  @TempDir Path dir;

  @Test
  void partsWaitingForTheirTurnSpillToDiskAndLeaveNothingBehind() throws IOException {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    long pages = BackupWriter.partPages;
    long perPart = BackupWriter.memoryPerPart;
    long total = BackupWriter.memoryTotal;
    BackupWriter.partPages = 1;
    try {
      // each waiting part over its own limit
      BackupWriter.memoryPerPart = 1024;
      RoundTrips.roundTrip(db, dir.resolve("spilled.sql"), "--all", "-j", "4");
      // the parts together over the shared budget
      BackupWriter.memoryPerPart = 16L << 20;
      BackupWriter.memoryTotal = 128 << 10;
      RoundTrips.roundTrip(db, dir.resolve("budget.sql.gz"), "--all", "-j", "4");
    } finally {
      BackupWriter.partPages = pages;
      BackupWriter.memoryPerPart = perPart;
      BackupWriter.memoryTotal = total;
    }
    assertThat(listDir())
        .containsExactly(
            "budget.sql.gz",
            "budget.sql.gz.manifest.json",
            "spilled.sql",
            "spilled.sql.manifest.json");
  }

  @Test
  void aFileThatDoesNotReadBackAsWrittenIsRemoved() throws IOException {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    // the disk gives back one byte other than was written: the first byte of the 500th line
    BackupWriter.readBack =
        in ->
            new java.io.FilterInputStream(in) {
              long lines;

              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                for (int i = off; i < off + Math.max(n, 0); i++) {
                  if (b[i] == '\n' && ++lines == 500 && i + 1 < off + n) {
                    b[i + 1] = (byte) (b[i + 1] == 'x' ? 'y' : 'x');
                  }
                }
                return n;
              }
            };
    try {
      Cli.Result r = RoundTrips.backup(db, dir.resolve("damaged.sql"), "--all");
      // the backup failed its check, nothing was kept: refused (3), not a committed change (4)
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
      assertThat(r.err()).contains("did not read back as it was written").contains("removed");
      assertThat(r.err().strip().lines()).hasSize(1);
    } finally {
      BackupWriter.readBack = in -> in;
    }
    assertThat(listDir()).isEmpty();
  }

  private List<String> listDir() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}

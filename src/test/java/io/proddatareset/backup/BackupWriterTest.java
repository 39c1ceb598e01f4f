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
    long memory = BackupWriter.memoryPerPart;
    BackupWriter.partPages = 1;
    BackupWriter.memoryPerPart = 1024;
    try {
      RoundTrips.roundTrip(db, dir.resolve("spilled.sql"), "--all", "-j", "4");
    } finally {
      BackupWriter.partPages = pages;
      BackupWriter.memoryPerPart = memory;
    }
    assertThat(listDir()).containsExactly("spilled.sql", "spilled.sql.manifest.json");
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
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
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

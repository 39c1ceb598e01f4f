package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
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
    BackupTuning parts = BackupTuning.DEFAULT.withPartPages(1);
    // each waiting part over its own limit
    RoundTrips.roundTrip(
        db,
        dir.resolve("spilled.sql"),
        4,
        parts.withMemory(1024, BackupTuning.DEFAULT.memoryTotal()));
    // the parts together over the shared budget
    RoundTrips.roundTrip(
        db, dir.resolve("budget.sql.gz"), 4, parts.withMemory(16L << 20, 128 << 10));
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
    BackupTuning damaging =
        BackupTuning.DEFAULT.withReadBack(
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
                });
    Path file = dir.resolve("damaged.sql");
    assertThatThrownBy(
            () ->
                RoundTrips.backup(
                    db, BackupDestination.file(file), BackupOptions.defaultJobs(true), damaging))
        .isInstanceOfSatisfying(
            ExitException.class,
            e -> {
              // the backup failed its check, nothing was kept: refused (3), not a committed
              // change (4)
              assertThat(e.status()).isEqualTo(ExitStatus.REFUSED);
              assertThat(e.getMessage())
                  .contains("did not read back as it was written")
                  .contains("removed")
                  .doesNotContain("\n");
            });
    assertThat(listDir()).isEmpty();
  }

  private List<String> listDir() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}

package io.proddatareset.backup;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a backup as it was written to disk against what the copy produced: every table's rows and
 * SHA-256 (each part's, for a table copied in parts), the setval lines, the final line. It reads
 * the file while it is being written ({@link #read}), and compares once the copy is done ({@link
 * #check}).
 */
final class BackupVerifier {
  private BackupVerifier() {}

  /** A part's row count, waiting until the part is complete. */
  @FunctionalInterface
  interface PartRows {
    long rows(int table, int part) throws IOException;
  }

  /**
   * What the file holds.
   *
   * @param parts per table: each part's rows and SHA-256 as found in the file, for tables copied in
   *     several parts; null for the others
   */
  record Reading(BackupReader.Summary summary, List<List<BackupManifest.PartEntry>> parts) {}

  /**
   * Reads a backup, splitting the data of tables copied in parts at the parts' row counts.
   *
   * @param partCounts per table, in file order, how many parts it was copied in
   */
  static Reading read(InputStream file, int[] partCounts, PartRows partRows) throws IOException {
    PartChecker checker = new PartChecker(partCounts, partRows);
    try {
      return new Reading(BackupReader.read(file, checker), checker.found);
    } catch (SQLException e) {
      throw new IllegalStateException("no database work while verifying", e);
    }
  }

  /**
   * Compares the reading with the manifest the copy produced.
   *
   * @param bytesWritten what the writer wrote to the file
   * @param streamed the reading is of the bytes as they were streamed, each block read whole: the
   *     parts of a table copied in parts are not compared one by one, only the table's rows and
   *     checksum
   * @return the manifest with the file's size and SHA-256 and every table's checksum
   * @throws ExitException ({@link ExitStatus#REFUSED}) when they differ: the backup failed its
   *     check
   */
  static BackupManifest check(
      Reading reading, BackupManifest draft, long bytesWritten, boolean streamed) {
    BackupReader.Summary summary = reading.summary();
    List<String> problems = new ArrayList<>();
    if (summary.fileBytes() != bytesWritten) {
      problems.add(
          "the file holds "
              + Counts.of(summary.fileBytes(), "byte")
              + ", "
              + Counts.number(bytesWritten)
              + " were written");
    }
    List<BackupManifest.TableEntry> completed = new ArrayList<>();
    for (int i = 0; i < draft.tables().size(); i++) {
      BackupManifest.TableEntry t = draft.tables().get(i);
      BackupReader.TableData d = i < summary.tables().size() ? summary.tables().get(i) : null;
      if (t.parts() != null) {
        List<BackupManifest.PartEntry> found =
            i < reading.parts().size() ? reading.parts().get(i) : null;
        if (!streamed && !t.parts().equals(found)) {
          problems.add(t.name() + ": a part's rows or SHA-256 differ from what was copied");
        }
      }
      if (t.blocks() != null && d != null && d.blocks().size() == t.blocks().size()) {
        // each block against what its copy produced (a first block copied in parts: against
        // its parts, above); the table's checksum over all its blocks is then the file's
        List<BackupManifest.BlockEntry> blocks = new ArrayList<>();
        for (int k = 0; k < t.blocks().size(); k++) {
          BackupManifest.BlockEntry copied = t.blocks().get(k);
          BackupReader.Block b = d.blocks().get(k);
          if (b.rows() != copied.rows()
              || (copied.sha256() != null && !copied.sha256().equals(b.sha256()))) {
            problems.add(
                t.name()
                    + ": COPY block "
                    + (k + 1)
                    + "'s rows or SHA-256 differ from what was copied");
          }
          blocks.add(new BackupManifest.BlockEntry(b.rows(), b.sha256()));
        }
        t = withSha256(t, d.sha256(), blocks);
      } else if (t.parts() != null && d != null) {
        t = withSha256(t, d.sha256(), t.blocks());
      }
      completed.add(t);
    }
    BackupManifest manifest =
        new BackupManifest(
            draft.formatVersion(),
            draft.tool(),
            draft.target(),
            draft.database(),
            draft.serverVersion(),
            draft.systemIdentifier(),
            draft.snapshotTime(),
            draft.planId(),
            draft.file(),
            draft.compression(),
            summary.fileBytes(),
            summary.fileSha256(),
            completed,
            draft.sequences(),
            draft.kept(),
            null,
            null);
    problems.addAll(ManifestCheck.problems(summary, manifest));
    if (!problems.isEmpty()) {
      throw streamed
          ? streamFailed(String.join("; ", problems))
          : failed(String.join("; ", problems));
    }
    return manifest;
  }

  private static BackupManifest.TableEntry withSha256(
      BackupManifest.TableEntry t, String sha256, List<BackupManifest.BlockEntry> blocks) {
    return new BackupManifest.TableEntry(
        t.name(),
        t.schema(),
        t.table(),
        t.columns(),
        t.rows(),
        t.bytes(),
        sha256,
        t.parts(),
        blocks,
        t.appendedRows(),
        null,
        null,
        null);
  }

  /** The file as read back differs from what was written: nothing is kept. */
  static ExitException failed(String detail) {
    return new ExitException(
        ExitStatus.REFUSED,
        "The backup did not read back as it was written ("
            + detail
            + "). The partial file was removed; check the disk and try again.");
  }

  /** The bytes streamed differ from what was copied. */
  static ExitException streamFailed(String detail) {
    return new ExitException(
        ExitStatus.REFUSED,
        "The streamed backup did not check out against what was copied (" + detail + ").");
  }

  /** Hashes each part of a table copied in parts, splitting its data at the parts' row counts. */
  private static final class PartChecker implements BackupReader.Handler {
    private final int[] partCounts;
    private final PartRows partRows;
    final List<List<BackupManifest.PartEntry>> found = new ArrayList<>();
    private int block;

    PartChecker(int[] partCounts, PartRows partRows) {
      this.partCounts = partCounts;
      this.partRows = partRows;
    }

    @Override
    public void copy(CopyStatement statement, InputStream data) throws IOException {
      int table = block++;
      if (table >= partCounts.length || partCounts[table] < 2) {
        found.add(null);
        return;
      }
      int parts = partCounts[table];
      List<BackupManifest.PartEntry> entries = new ArrayList<>();
      MessageDigest digest = Sha256.digest();
      long rows = 0;
      // the row count of the part being read; the last part takes whatever remains
      long expected = parts > 1 ? partRows.rows(table, 0) : -1;
      while (entries.size() < parts - 1 && expected == 0) {
        entries.add(new BackupManifest.PartEntry(0, Sha256.hex(digest)));
        expected = entries.size() < parts - 1 ? partRows.rows(table, entries.size()) : -1;
      }
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = data.read(buf)) > 0) {
        int start = 0;
        while (entries.size() < parts - 1) {
          // the part being read still lacks expected - rows > 0 rows
          int at = LineScan.afterNth(buf, start, n, expected - rows);
          if (at < 0) {
            break;
          }
          digest.update(buf, start, at - start);
          start = at;
          entries.add(new BackupManifest.PartEntry(expected, Sha256.hex(digest)));
          rows = 0;
          expected = entries.size() < parts - 1 ? partRows.rows(table, entries.size()) : -1;
          while (entries.size() < parts - 1 && expected == 0) {
            entries.add(new BackupManifest.PartEntry(0, Sha256.hex(digest)));
            expected = entries.size() < parts - 1 ? partRows.rows(table, entries.size()) : -1;
          }
        }
        rows += LineScan.count(buf, start, n);
        digest.update(buf, start, n - start);
      }
      entries.add(new BackupManifest.PartEntry(rows, Sha256.hex(digest)));
      found.add(entries);
    }

    @Override
    public void setval(SetvalStatement statement) {}
  }
}

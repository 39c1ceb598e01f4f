package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Re-reads a freshly written backup from disk and checks it against what the copy produced: every
 * table's rows and SHA-256 (each part's, for a table copied in parts), the setval lines, the final
 * line and the whole file's SHA-256.
 */
final class BackupVerifier {
  private BackupVerifier() {}

  /**
   * @param draft the manifest as the copy produced it; tables copied in parts have no table
   *     checksum yet
   * @return the manifest with every table's checksum, when the file matches
   * @throws ExitException ({@link ExitStatus#VERIFICATION_FAILED}) when it does not
   */
  static BackupManifest verify(Path file, BackupManifest draft) throws IOException {
    List<String> partProblems = new ArrayList<>();
    BackupReader.Summary summary;
    try (InputStream in = Files.newInputStream(file)) {
      summary = BackupReader.read(in, new PartChecker(draft.tables(), partProblems));
    } catch (BackupFormatException e) {
      throw failed(e.getMessage());
    } catch (SQLException e) {
      throw new IllegalStateException("no database work while verifying", e);
    }
    List<BackupManifest.TableEntry> completed = new ArrayList<>();
    for (int i = 0; i < draft.tables().size(); i++) {
      BackupManifest.TableEntry t = draft.tables().get(i);
      if (t.sha256() == null && i < summary.blocks().size()) {
        t =
            new BackupManifest.TableEntry(
                t.name(),
                t.schema(),
                t.table(),
                t.columns(),
                t.rows(),
                t.bytes(),
                summary.blocks().get(i).sha256(),
                t.parts());
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
            draft.fileBytes(),
            draft.fileSha256(),
            completed,
            draft.sequences(),
            draft.kept());
    List<String> problems = new ArrayList<>(partProblems);
    problems.addAll(ManifestCheck.problems(summary, manifest));
    if (!problems.isEmpty()) {
      throw failed(String.join("; ", problems));
    }
    return manifest;
  }

  private static ExitException failed(String detail) {
    return new ExitException(
        ExitStatus.VERIFICATION_FAILED,
        "The backup did not read back as it was written ("
            + detail
            + "). The partial file was removed; check the disk and try again.");
  }

  /** Hashes each part of a table copied in parts, splitting its data at the parts' row counts. */
  private static final class PartChecker implements BackupReader.Handler {
    private final List<BackupManifest.TableEntry> tables;
    private final List<String> problems;
    private int block;

    PartChecker(List<BackupManifest.TableEntry> tables, List<String> problems) {
      this.tables = tables;
      this.problems = problems;
    }

    @Override
    public void copy(CopyStatement statement, InputStream data) throws IOException {
      int index = block++;
      if (index >= tables.size() || tables.get(index).parts() == null) {
        return;
      }
      BackupManifest.TableEntry table = tables.get(index);
      List<BackupManifest.PartEntry> parts = table.parts();
      List<BackupManifest.PartEntry> found = new ArrayList<>();
      MessageDigest digest = Sha256.digest();
      long rows = 0;
      byte[] buf = new byte[1 << 16];
      int n;
      while (found.size() < parts.size() - 1 && parts.get(found.size()).rows() == 0) {
        found.add(new BackupManifest.PartEntry(0, Sha256.hex(digest)));
      }
      while ((n = data.read(buf)) > 0) {
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (buf[i] != '\n') {
            continue;
          }
          rows++;
          while (found.size() < parts.size() - 1 && parts.get(found.size()).rows() == rows) {
            digest.update(buf, start, i + 1 - start);
            start = i + 1;
            found.add(new BackupManifest.PartEntry(rows, Sha256.hex(digest)));
            rows = 0;
          }
        }
        digest.update(buf, start, n - start);
      }
      found.add(new BackupManifest.PartEntry(rows, Sha256.hex(digest)));
      if (!found.equals(parts)) {
        problems.add(table.name() + ": a part's rows or SHA-256 differ from what was copied");
      }
    }

    @Override
    public void setval(SetvalStatement statement) {}
  }
}

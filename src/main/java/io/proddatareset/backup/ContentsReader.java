package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;

/** Finds out what a backup file holds before a restore or its dry run changes or locks anything. */
final class ContentsReader {
  private ContentsReader() {}

  /**
   * Reads what {@code file} holds: from its manifest when there is one, otherwise by reading the
   * whole file once (which also checks that it is a data-only backup this tool can load).
   */
  static Restorer.Contents inspect(Path file) {
    if (Files.isDirectory(file)) {
      throw ExitException.usage(file + " is a directory: give the backup file to restore.");
    }
    if (!Files.exists(file)) {
      throw ExitException.usage("Cannot read " + file + ": no such file.");
    }
    if (!Files.isRegularFile(file)) {
      throw ExitException.usage(
          "Cannot restore "
              + file
              + ": not a regular file (restore reads the file twice: save the backup to a file"
              + " first).");
    }
    if (!Files.isReadable(file)) {
      throw ExitException.usage("Cannot read " + file + ": permission denied.");
    }
    Path manifestPath = ManifestFile.pathFor(file);
    if (Files.isRegularFile(manifestPath)) {
      BackupManifest m;
      try {
        m = ManifestFile.read(manifestPath);
      } catch (ManifestFile.UnsupportedFormat e) {
        throw new ExitException(
            ExitStatus.USAGE,
            "Cannot use the manifest "
                + manifestPath
                + ": "
                + e.getMessage()
                + ". Nothing was changed.",
            e);
      } catch (IOException e) {
        throw new ExitException(
            ExitStatus.USAGE,
            "Cannot read the manifest "
                + manifestPath
                + ": "
                + ExitException.firstLine(e)
                + ". Nothing was changed; move it away to restore without checks.",
            e);
      }
      List<CopyStatement> blocks =
          m.tables().stream().map(t -> new CopyStatement(t.tableName(), t.columns())).toList();
      return new Restorer.Contents(
          file,
          m,
          blocks,
          m.sequences().stream().map(BackupManifest.SequenceEntry::name).toList(),
          m.fileSha256(),
          null);
    }
    try (InputStream in = Files.newInputStream(file)) {
      BackupReader.Summary s = BackupReader.read(in, BackupReader.SCAN);
      if (s.subset()) {
        throw ExitException.usage(
            file
                + " is a subset backup and its manifest "
                + manifestPath
                + " is missing: only the manifest says how its rows go back into the live tables."
                + " Put it back beside the file. Nothing was changed.");
      }
      return new Restorer.Contents(
          file,
          null,
          s.blocks().stream().map(BackupReader.Block::statement).toList(),
          s.setvals().stream().map(SetvalStatement::sequence).toList(),
          s.fileSha256(),
          s);
    } catch (BackupFormatException e) {
      throw RestoreMessages.unreadable(file, e, false, ". Nothing was changed.");
    } catch (IOException e) {
      throw new ExitException(
          ExitStatus.FAILURE, "Cannot read " + file + ": " + ExitException.firstLine(e) + ".", e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}

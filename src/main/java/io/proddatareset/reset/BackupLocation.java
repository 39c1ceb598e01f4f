package io.proddatareset.reset;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.ManifestFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where a reset writes its backup, checked before anything is locked. */
public final class BackupLocation {
  private BackupLocation() {}

  /**
   * Checks, before anything is locked, that the backup can be written where asked: neither the file
   * nor its manifest may exist yet (a device such as /dev/null is left to the writer), and its
   * directory is created when missing.
   *
   * @throws ExitException USAGE for an existing file or manifest, or a directory that cannot be
   *     created or written: another path is the fix
   */
  public static void prepare(Path file) {
    Path absolute = file.toAbsolutePath();
    if (Files.isDirectory(absolute)) {
      throw ExitException.usage(
          "The backup path " + file + " is a directory: give a file name. Nothing was changed.");
    }
    if (Files.isRegularFile(absolute)) {
      throw ExitException.usage(
          "The backup file " + file + " already exists; choose a new name. Nothing was changed.");
    }
    if (Files.exists(absolute)) {
      return;
    }
    Path manifest = ManifestFile.pathFor(absolute);
    if (Files.exists(manifest)) {
      throw ExitException.usage(
          "The manifest "
              + manifest
              + " of an earlier backup is in the way; choose a new backup name. Nothing was"
              + " changed.");
    }
    Path dir = absolute.getParent();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new ExitException(
          ExitStatus.USAGE,
          "Cannot create the backup directory "
              + dir
              + " ("
              + e.getMessage()
              + "); choose another path. Nothing was changed.",
          e);
    }
    if (!Files.isWritable(dir)) {
      throw ExitException.usage(
          "Cannot write the backup into "
              + dir
              + ": permission denied; choose another path. Nothing was changed.");
    }
  }
}

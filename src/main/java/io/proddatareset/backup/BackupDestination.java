package io.proddatareset.backup;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a backup goes: a file, checked by reading it back before it is put in place, with its
 * manifest beside it; or a stream (stdout, for a pipe), which cannot be read back, so the bytes are
 * checked as they are sent and the manifest goes where the caller says.
 *
 * @param file the backup file, or null for a stream
 * @param stream the stream, or null for a file; written to, flushed, never closed
 * @param compression how the stream is compressed (a file's comes from its name)
 * @param manifest where the manifest is written: {@code FILE.manifest.json} for a file
 */
public record BackupDestination(
    Path file, OutputStream stream, Compression compression, Path manifest) {
  public BackupDestination {
    if ((file == null) == (stream == null)) {
      throw new IllegalArgumentException("a backup goes to a file or to a stream");
    }
    Objects.requireNonNull(compression);
    Objects.requireNonNull(manifest);
  }

  /** A backup file, compressed as its name says, with its manifest beside it. */
  public static BackupDestination file(Path file) {
    return new BackupDestination(file, null, Compression.forFile(file), ManifestFile.pathFor(file));
  }

  /** A stream, with the manifest written to {@code manifest}. */
  public static BackupDestination stream(
      OutputStream stream, Compression compression, Path manifest) {
    return new BackupDestination(null, stream, compression, manifest);
  }

  public boolean streamed() {
    return stream != null;
  }
}

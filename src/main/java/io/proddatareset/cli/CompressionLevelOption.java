package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.backup.BackupOptions;
import io.proddatareset.backup.Compression;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --compression-level N}: shared by backup and reset, which both write backups. */
public class CompressionLevelOption {
  @Option(
      names = "--compression-level",
      paramLabel = "N",
      description =
          "gzip level of a .gz backup: 1 (fastest, the default) to 9 (smallest). zstd (.zst) is"
              + " written at its default level.")
  Integer level;

  /** The gzip level for a backup written to {@code file}; a usage error when it does not apply. */
  int gzipLevel(Path file) {
    if (level == null) {
      return BackupOptions.DEFAULT_GZIP_LEVEL;
    }
    if (file == null || Compression.forFile(file) != Compression.GZIP) {
      throw ExitException.usage(
          "--compression-level is for gzip backups: name the backup FILE.gz"
              + (file == null ? "." : " (" + file.getFileName() + " is not)."));
    }
    if (level < 1 || level > 9) {
      throw ExitException.usage("--compression-level must be between 1 and 9.");
    }
    return level;
  }
}

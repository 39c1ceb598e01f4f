package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.backup.BackupDestination;
import io.proddatareset.backup.Compression;
import io.proddatareset.backup.ManifestFile;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Where backup writes: {@code --output FILE} (compressed as its name says) with the manifest beside
 * it, or {@code --output -} for stdout with {@code --manifest FILE} and {@code --compress KIND}.
 */
class BackupOutput {
  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description =
          "The backup file: FILE.gz for gzip, FILE.zst for zstd, plain otherwise. An existing file"
              + " is never overwritten. - writes the backup to stdout (with --manifest).")
  Path output;

  @Option(
      names = "--manifest",
      paramLabel = "FILE",
      description =
          "With --output -: where to write the manifest (required then; never overwritten). A"
              + " backup file's manifest is always FILE.manifest.json beside it.")
  Path manifest;

  @Option(
      names = "--compress",
      paramLabel = "KIND",
      description =
          "plain, gzip or zstd. With --output - it chooses the stream's compression (default:"
              + " plain); with a file name the name decides, and --compress must agree with it.")
  String compress;

  /** True for {@code --output -}: the backup goes to stdout. */
  boolean toStdout() {
    return output.toString().equals("-");
  }

  /** The file beside which the backup's partial files go: the backup file, or the manifest. */
  Path file() {
    return toStdout() ? manifest : output;
  }

  /** Where the backup goes: the file, or {@code stdout} with the manifest in its own file. */
  BackupDestination destination(PrintStream stdout, Compression compression) {
    return toStdout()
        ? BackupDestination.stream(new CheckedStdout(stdout), compression, manifest)
        : BackupDestination.file(output);
  }

  /**
   * The compression: by the file's name, which {@code --compress} must agree with; for stdout, what
   * {@code --compress} says (plain by default).
   *
   * @throws ExitException USAGE for an unknown kind, a contradiction, or a missing or misplaced
   *     {@code --manifest}
   */
  Compression compression() {
    Compression asked = null;
    if (compress != null) {
      asked =
          switch (compress.toLowerCase(Locale.ROOT)) {
            case "plain", "none" -> Compression.NONE;
            case "gzip", "gz" -> Compression.GZIP;
            case "zstd", "zst" -> Compression.ZSTD;
            default ->
                throw ExitException.usage(
                    "--compress takes plain, gzip or zstd, not '" + compress + "'.");
          };
    }
    if (toStdout()) {
      if (manifest == null) {
        throw ExitException.usage(
            "--output - writes the backup to stdout: say where its manifest goes with --manifest"
                + " FILE.");
      }
      return asked == null ? Compression.NONE : asked;
    }
    if (manifest != null) {
      throw ExitException.usage(
          "--manifest goes with --output -: the manifest of "
              + output
              + " is always "
              + ManifestFile.pathFor(output).getFileName()
              + " beside it.");
    }
    Compression byName = Compression.forFile(output);
    if (asked != null && asked != byName) {
      throw ExitException.usage(
          "--compress "
              + compress
              + " contradicts the file name: "
              + output.getFileName()
              + " is written "
              + byName.label()
              + " (name it .gz for gzip, .zst for zstd, anything else for plain).");
    }
    return byName;
  }

  /**
   * The gzip level, from {@code level}.
   *
   * @throws ExitException USAGE when a level is given for a backup that is not gzip
   */
  int gzipLevel(Compression compression, CompressionLevelOption level) {
    if (!toStdout()) {
      return level.gzipLevel(output);
    }
    if (level.level != null && compression != Compression.GZIP) {
      throw ExitException.usage(
          "--compression-level is for gzip backups: with --output - give --compress gzip.");
    }
    return level.gzipLevel(Path.of("stdout.gz"));
  }
}

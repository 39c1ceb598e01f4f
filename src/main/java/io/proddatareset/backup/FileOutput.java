package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

/**
 * A backup written to a file: into a new hidden file beside it ({@link PartialFiles}), synced as it
 * goes, read back while it is written, and linked into place only once the check passed; the
 * manifest goes beside it. A path that exists but is not a regular file (a device, a pipe) is
 * written in place and then refused, since it cannot be read back.
 */
final class FileOutput implements WriteOutput {
  /** How much is written between the syncs made while a backup is written. */
  private static final long SYNC_EVERY = 32L << 20;

  private final Path file;
  private final Path manifestPath;
  private boolean special;
  private Path tmp;
  private FileChannel channel;

  FileOutput(BackupDestination destination) {
    this.file = destination.file().toAbsolutePath().normalize();
    this.manifestPath = ManifestFile.pathFor(file);
  }

  @Override
  public void checkDestination() {
    special = Files.exists(file) && !Files.isRegularFile(file);
    if (Files.isDirectory(file)) {
      throw ExitException.usage(file + " is a directory: give a file name for the backup.");
    }
    if (Files.isRegularFile(file)) {
      throw ExitException.usage(
          file + " already exists: a backup is never overwritten; choose another name.");
    }
    if (!special && Files.exists(manifestPath)) {
      throw ExitException.usage(
          manifestPath + " already exists: remove it or choose another backup name.");
    }
    Path dir = file.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw ExitException.usage("Cannot write the backup: directory " + dir + " does not exist.");
    }
  }

  @Override
  public OutputStream open() throws IOException {
    tmp = special ? file : createPartial(file.getParent());
    channel =
        FileChannel.open(
            tmp,
            special
                ? new StandardOpenOption[] {StandardOpenOption.WRITE}
                : new StandardOpenOption[] {
                  StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING
                });
    return new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 18);
  }

  /**
   * A new hidden file beside the backup to write it to, named for this process ({@link
   * PartialFiles}); a directory that cannot take it is a path that cannot be used.
   */
  private Path createPartial(Path dir) {
    try {
      return Files.createTempFile(dir, PartialFiles.prefix(file), PartialFiles.SUFFIX);
    } catch (IOException e) {
      throw new ExitException(
          ExitStatus.USAGE,
          "Cannot write the backup in "
              + dir
              + ": "
              + WriteRun.ioReason(e)
              + ". Nothing was written: choose a directory you can write to.",
          e);
    }
  }

  @Override
  public Path spillDir() {
    return special ? Path.of(System.getProperty("java.io.tmpdir")) : file.getParent();
  }

  /** The check reads the file back while it is written, one complete part after another. */
  @Override
  public Future<BackupVerifier.Reading> startCheck(
      OrderedFileAssembler assembler, List<CopiedTable> copied, UnaryOperator<InputStream> readBack)
      throws IOException {
    if (special) {
      return null;
    }
    Future<BackupVerifier.Reading> check = ReadBackCheck.ofFile(tmp, assembler, copied, readBack);
    startSyncer(channel, assembler);
    return check;
  }

  /**
   * Syncs what has been written every {@value #SYNC_EVERY} bytes while the copy goes on, so that
   * the final sync, which the backup must wait for, has little left to write. Errors are left to
   * the final sync, which reports them.
   */
  private static void startSyncer(FileChannel channel, OrderedFileAssembler assembler) {
    DaemonThreads.start(
        "backup-sync",
        () -> {
          long synced = 0;
          try {
            while (true) {
              long published = assembler.awaitCommitted(synced + SYNC_EVERY - 1);
              if (published < synced + SYNC_EVERY) {
                return;
              }
              channel.force(false);
              synced = published;
            }
          } catch (IOException | InterruptedException e) {
            // the writer's own sync reports a failing disk; a closed channel ends this
          }
        });
  }

  @Override
  public void sending() {}

  @Override
  public void finishWriting() throws IOException {
    if (!special) {
      channel.force(true);
    }
    channel.close();
  }

  @Override
  public boolean streamed() {
    return false;
  }

  @Override
  public String checkStage() {
    return "verifying";
  }

  @Override
  public String checkPhase() {
    return "verifying the backup";
  }

  @Override
  public void requireCheckable() {
    if (special) {
      throw new ExitException(
          ExitStatus.FAILURE,
          file
              + " is not a regular file: a backup must be re-read to be checked, so write it to"
              + " a file.");
    }
  }

  @Override
  public String saveStage() {
    return "saving";
  }

  @Override
  public void publish(BackupManifest verified) throws IOException {
    link(tmp, file);
    tmp = null;
    WriteOutput.saveManifest(manifestPath, verified);
  }

  /** Hard-links then unlinks, so an existing file is never replaced; a rename where links fail. */
  private static void link(Path tmp, Path file) throws IOException {
    try {
      Files.createLink(file, tmp);
      Files.delete(tmp);
    } catch (FileAlreadyExistsException e) {
      throw appeared(file);
    } catch (UnsupportedOperationException | FileSystemException e) {
      if (Files.exists(file)) {
        throw appeared(file);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static ExitException appeared(Path file) {
    return ExitException.usage(
        file
            + " appeared while the backup was written: a backup is never overwritten; choose"
            + " another name.");
  }

  /** The hidden file the backup is written to until it is put in place; null before or after. */
  Path partial() {
    return tmp;
  }

  @Override
  public Path manifestPath() {
    return manifestPath;
  }

  @Override
  public Path file() {
    return file;
  }

  @Override
  public String name() {
    return file.toString();
  }

  @Override
  public String failureEnd() {
    return special ? "." : ". The partial file was removed.";
  }

  @Override
  public ExitException explain(ExitException e) {
    return e;
  }

  @Override
  public void stop() {}

  @Override
  public void discard() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // the file is removed next
      }
    }
    if (tmp != null && !special) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // reported by the caller's message as far as it can be
      }
    }
  }
}

package io.proddatareset.backup;

import io.proddatareset.ExitException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.function.UnaryOperator;

/**
 * The check that reads a backup back while it is written, on its own thread, with the reader a
 * restore uses ({@link BackupVerifier#read}): from the file, following the complete parts, or from
 * the bytes a {@link StreamTee} hands over. A check that fails stops the copy at once.
 */
final class ReadBackCheck {
  private ReadBackCheck() {}

  /** Reads {@code tmp} as the assembler completes its parts, each part at its recorded rows. */
  static Future<BackupVerifier.Reading> ofFile(
      Path tmp,
      OrderedFileAssembler assembler,
      List<CopiedTable> copied,
      UnaryOperator<InputStream> readBack)
      throws IOException {
    int[] partCounts = copied.stream().mapToInt(CopiedTable::parts).toArray();
    FileChannel channel = FileChannel.open(tmp, StandardOpenOption.READ);
    return start(
        () -> {
          try (InputStream in = readBack.apply(new TailInputStream(channel, assembler))) {
            return BackupVerifier.read(
                in, partCounts, (table, part) -> copied.get(table).awaitRows(part));
          } catch (IOException | RuntimeException e) {
            // a file that cannot be read back stops the copy at once
            assembler.abort(new IOException("the check of the written file failed", e));
            throw e;
          }
        });
  }

  /** Checks what the tee hands over, a whole block at a time; a failure stops the stream. */
  static Future<BackupVerifier.Reading> ofStream(
      StreamTee tee,
      OrderedFileAssembler assembler,
      int tableCount,
      UnaryOperator<InputStream> readBack) {
    int[] wholeBlocks = new int[tableCount];
    Arrays.fill(wholeBlocks, 1);
    return start(
        () -> {
          try (InputStream in = readBack.apply(tee.reader())) {
            return BackupVerifier.read(
                in,
                wholeBlocks,
                (table, part) -> {
                  throw new IllegalStateException("blocks are read whole");
                });
          } catch (IOException | RuntimeException e) {
            tee.readerFailed();
            assembler.abort(new IOException("the check of the streamed bytes failed", e));
            throw e;
          }
        });
  }

  private static Future<BackupVerifier.Reading> start(
      java.util.concurrent.Callable<BackupVerifier.Reading> check) {
    FutureTask<BackupVerifier.Reading> task = new FutureTask<>(check);
    DaemonThreads.start("backup-check", task);
    return task;
  }

  /** What the check read, once the copy is done; a damaged file is the check's failure. */
  static BackupVerifier.Reading await(Future<BackupVerifier.Reading> check, boolean streamed)
      throws IOException {
    try {
      return DaemonThreads.await(check, "interrupted while checking the backup");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof BackupFormatException f) {
        throw failed(f, streamed);
      }
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    }
  }

  /** The check's own failure, when it stopped the copy by finding the file damaged; or null. */
  static ExitException failure(Future<BackupVerifier.Reading> check, boolean streamed) {
    if (check == null || !check.isDone()) {
      return null;
    }
    try {
      check.get();
      return null;
    } catch (ExecutionException e) {
      return e.getCause() instanceof BackupFormatException f ? failed(f, streamed) : null;
    } catch (InterruptedException | CancellationException e) {
      return null;
    }
  }

  private static ExitException failed(BackupFormatException f, boolean streamed) {
    return streamed
        ? BackupVerifier.streamFailed(f.getMessage())
        : BackupVerifier.failed(f.getMessage());
  }
}

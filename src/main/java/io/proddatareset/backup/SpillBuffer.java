package io.proddatareset.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds a part's bytes until the part may be written to the file: in memory up to a limit per part
 * and within a budget shared by all parts, then in a temporary file, so memory stays bounded
 * whatever the parts' sizes and number. Not thread-safe: one writer, then one drain.
 */
final class SpillBuffer {
  private static final int CHUNK = 1 << 16;

  private final Path spillDir;
  private final long memoryLimit;
  private final java.util.concurrent.atomic.AtomicLong budget;
  private final List<byte[]> chunks = new ArrayList<>();
  private int lastChunkUsed = CHUNK;
  private long inMemory;
  private Path spillFile;
  private OutputStream spill;

  /**
   * @param budget memory left for all buffers together; taken from in whole chunks and given back
   *     when the buffer is drained or discarded
   */
  SpillBuffer(Path spillDir, long memoryLimit, java.util.concurrent.atomic.AtomicLong budget) {
    this.spillDir = spillDir;
    this.memoryLimit = memoryLimit;
    this.budget = budget;
  }

  private boolean reserveChunk() {
    long left;
    do {
      left = budget.get();
      if (left < CHUNK) {
        return false;
      }
    } while (!budget.compareAndSet(left, left - CHUNK));
    return true;
  }

  private void releaseChunks() {
    budget.addAndGet((long) chunks.size() * CHUNK);
    chunks.clear();
  }

  boolean isEmpty() {
    return inMemory == 0 && spillFile == null;
  }

  void write(byte[] b, int off, int len) throws IOException {
    if (spill == null && inMemory + len > memoryLimit) {
      startSpill();
    }
    if (spill != null) {
      spill.write(b, off, len);
      return;
    }
    while (len > 0) {
      if (lastChunkUsed == CHUNK) {
        if (!reserveChunk()) {
          // the shared budget is spent: the rest goes to disk, after what is held
          startSpill();
          spill.write(b, off, len);
          return;
        }
        chunks.add(new byte[CHUNK]);
        lastChunkUsed = 0;
      }
      int n = Math.min(len, CHUNK - lastChunkUsed);
      System.arraycopy(b, off, chunks.get(chunks.size() - 1), lastChunkUsed, n);
      lastChunkUsed += n;
      inMemory += n;
      off += n;
      len -= n;
    }
  }

  private void startSpill() throws IOException {
    spillFile =
        Files.createTempFile(
            spillDir, PartialFiles.prefix(Path.of("prod-data-reset")), PartialFiles.SPOOL);
    spill = new java.io.BufferedOutputStream(Files.newOutputStream(spillFile), CHUNK);
  }

  /** Writes everything held so far to {@code out}, in order, and empties the buffer. */
  void drainTo(OutputStream out) throws IOException {
    for (int i = 0; i < chunks.size(); i++) {
      out.write(chunks.get(i), 0, i == chunks.size() - 1 ? lastChunkUsed : CHUNK);
    }
    releaseChunks();
    lastChunkUsed = CHUNK;
    inMemory = 0;
    if (spillFile != null) {
      spill.close();
      spill = null;
      try (InputStream in = Files.newInputStream(spillFile, StandardOpenOption.READ)) {
        byte[] buf = new byte[CHUNK * 4];
        int n;
        while ((n = in.read(buf)) > 0) {
          out.write(buf, 0, n);
        }
      }
      discard();
    }
  }

  /** Frees memory and removes the temporary file, if any. */
  void discard() {
    releaseChunks();
    lastChunkUsed = CHUNK;
    inMemory = 0;
    if (spill != null) {
      try {
        spill.close();
      } catch (IOException ignored) {
        // the file is removed next
      }
      spill = null;
    }
    if (spillFile != null) {
      try {
        Files.deleteIfExists(spillFile);
      } catch (IOException ignored) {
        // best effort: a temp file in the backup's directory, named .prod-data-reset-*.spool
      }
      spillFile = null;
    }
  }
}

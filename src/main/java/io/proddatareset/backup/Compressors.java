package io.proddatareset.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The compressed members of one backup run, whose chunks are compressed on all cores: compression
 * is most of a compressed backup's work, and one thread per part would leave cores idle while one
 * big table is copied. {@link #close} stops the threads.
 */
final class Compressors implements AutoCloseable {
  private final Compression compression;
  private final int gzipLevel;
  private final ExecutorService pool;
  private final int threads;

  Compressors(Compression compression, int gzipLevel) {
    this.compression = compression;
    this.gzipLevel = gzipLevel;
    if (compression != Compression.NONE) {
      threads = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
      pool = Executors.newFixedThreadPool(threads, DaemonThreads.named("backup-compress"));
    } else {
      threads = 0;
      pool = null;
    }
  }

  /**
   * Starts one member on {@code part}; closing it finishes the member, leaving {@code part} open.
   */
  OutputStream member(OutputStream part) throws IOException {
    return compression.member(part, pool, threads, gzipLevel);
  }

  /** Writes {@code content} to part {@code index} as one member, and completes the part. */
  void writeWhole(OrderedFileAssembler assembler, int index, byte[] content) throws IOException {
    OutputStream part = assembler.open(index);
    try (OutputStream member = member(part)) {
      member.write(content);
    }
    part.close();
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}

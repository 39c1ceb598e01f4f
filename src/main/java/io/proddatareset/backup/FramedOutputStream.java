package io.proddatareset.backup;

import io.airlift.compress.zstd.ZstdCompressor;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Compresses a stream as a series of independent frames, one per chunk: whole gzip members or zstd
 * frames, which {@code gzip -d}, {@code zstd -d} and this tool's reader read as one stream. With an
 * executor, chunks are compressed concurrently (as pigz does) and their frames written in order; at
 * most a few chunks per thread are in flight, so memory stays flat.
 *
 * <p>Closing writes the last frame and flushes, but does not close the underlying stream. A stream
 * that was given no bytes writes no frame.
 */
final class FramedOutputStream extends BulkStreams.Output {
  /** Turns one chunk into one self-contained frame. */
  enum Codec {
    /** gzip, by default at the fastest level ({@link BackupOptions#DEFAULT_GZIP_LEVEL}). */
    GZIP(1 << 20) {
      @Override
      Frame compress(byte[] chunk, int length, byte[] reuse, int level) {
        Deflater deflater = DEFLATER.get();
        deflater.reset();
        deflater.setLevel(level);
        deflater.setInput(chunk, 0, length);
        deflater.finish();
        int bound = GZIP_HEADER.length + length + (length >> 8) + 64 + 8;
        byte[] out = reuse != null && reuse.length >= bound ? reuse : new byte[bound];
        System.arraycopy(GZIP_HEADER, 0, out, 0, GZIP_HEADER.length);
        int n = GZIP_HEADER.length;
        while (!deflater.finished()) {
          if (n == out.length - 8) {
            out = java.util.Arrays.copyOf(out, out.length * 2);
          }
          n += deflater.deflate(out, n, out.length - 8 - n);
        }
        CRC32 crc = new CRC32();
        crc.update(chunk, 0, length);
        n = littleEndian(out, n, (int) crc.getValue());
        n = littleEndian(out, n, length);
        return new Frame(out, n);
      }
    },
    /**
     * zstd through aircompressor's one-shot compressor (with its content checksum); its streaming
     * encoder compresses far worse (about 1.8 times the output for backup data) at the same speed.
     */
    ZSTD(2 << 20) {
      @Override
      Frame compress(byte[] chunk, int length, byte[] reuse, int level) {
        ZstdCompressor compressor = ZSTD_COMPRESSOR.get();
        int bound = compressor.maxCompressedLength(length);
        byte[] out = reuse != null && reuse.length >= bound ? reuse : new byte[bound];
        return new Frame(out, compressor.compress(chunk, 0, length, out, 0, out.length));
      }
    };

    /** Magic, deflate, no flags, no time, no extra flags, unknown OS. */
    private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 255};

    private static final ThreadLocal<Deflater> DEFLATER =
        ThreadLocal.withInitial(() -> new Deflater(BackupOptions.DEFAULT_GZIP_LEVEL, true));
    private static final ThreadLocal<ZstdCompressor> ZSTD_COMPRESSOR =
        ThreadLocal.withInitial(ZstdCompressor::new);

    final int chunkSize;

    Codec(int chunkSize) {
      this.chunkSize = chunkSize;
    }

    /**
     * Compresses {@code chunk[0, length)} into {@code reuse} when it is large enough (it may be
     * null), else into a new array; {@code level} is gzip's (zstd has one level here).
     */
    abstract Frame compress(byte[] chunk, int length, byte[] reuse, int level);

    private static int littleEndian(byte[] b, int at, int value) {
      b[at] = (byte) value;
      b[at + 1] = (byte) (value >>> 8);
      b[at + 2] = (byte) (value >>> 16);
      b[at + 3] = (byte) (value >>> 24);
      return at + 4;
    }
  }

  /** A compressed frame: the first {@code length} bytes of {@code bytes}. */
  record Frame(byte[] bytes, int length) {}

  /** A chunk being compressed. */
  private record Pending(FutureTask<Frame> task, byte[] chunk) {}

  private final OutputStream out;
  private final Codec codec;
  private final Executor executor;
  private final int maxInFlight;
  private final int level;
  private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
  // written chunks and frames are kept for reuse, so a long stream allocates a few arrays instead
  // of two per chunk
  private final ArrayDeque<byte[]> freeChunks = new ArrayDeque<>();
  private final ArrayDeque<byte[]> freeFrames = new ArrayDeque<>();
  private byte[] chunk;
  private int used;
  private boolean closed;

  /**
   * @param executor where chunks are compressed, or null to compress them on the writing thread
   * @param threads how many threads the executor compresses with (bounds the chunks in flight)
   * @param level the gzip level (1-9); ignored for zstd
   */
  FramedOutputStream(OutputStream out, Codec codec, Executor executor, int threads, int level) {
    this.out = out;
    this.level = level;
    this.codec = codec;
    this.executor = executor;
    // one more than the threads, to keep them busy, but at most five chunks per stream: with four
    // parts written at once on many cores the frames in flight would otherwise crowd the heap
    this.maxInFlight = executor == null ? 0 : Math.min(Math.max(1, threads), 4) + 1;
    this.chunk = new byte[codec.chunkSize];
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("the compressed stream is closed");
    }
    while (len > 0) {
      if (used == chunk.length) {
        emitChunk();
      }
      int n = Math.min(len, chunk.length - used);
      System.arraycopy(b, off, chunk, used, n);
      used += n;
      off += n;
      len -= n;
    }
  }

  private void emitChunk() throws IOException {
    if (used == 0) {
      return;
    }
    byte[] full = chunk;
    int length = used;
    used = 0;
    if (executor == null) {
      Frame frame = codec.compress(full, length, freeFrames.poll(), level);
      out.write(frame.bytes(), 0, frame.length());
      freeFrames.push(frame.bytes());
      return;
    }
    byte[] reuse = freeFrames.poll();
    chunk = freeChunks.isEmpty() ? new byte[codec.chunkSize] : freeChunks.pop();
    FutureTask<Frame> task = new FutureTask<>(() -> codec.compress(full, length, reuse, level));
    inFlight.add(new Pending(task, full));
    executor.execute(task);
    // write the frames that are ready; wait for the oldest when too many are in flight
    while (!inFlight.isEmpty()
        && (inFlight.peek().task().isDone() || inFlight.size() > maxInFlight)) {
      writeOldest();
    }
  }

  /** Waits for the oldest chunk in flight, writes its frame and keeps both arrays for reuse. */
  private void writeOldest() throws IOException {
    Pending oldest = inFlight.poll();
    Frame frame = await(oldest.task());
    out.write(frame.bytes(), 0, frame.length());
    freeFrames.push(frame.bytes());
    freeChunks.push(oldest.chunk());
  }

  private static Frame await(FutureTask<Frame> task) throws IOException {
    try {
      return DaemonThreads.await(task, "stopped while compressing the backup");
    } catch (ExecutionException e) {
      throw new IOException("compressing the backup failed: " + e.getCause(), e.getCause());
    }
  }

  @Override
  public void flush() throws IOException {
    // a frame is only written whole; flushing the underlying stream is all that can be done
    out.flush();
  }

  /** Writes the last frame, waits for every frame to be written, and flushes. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      emitChunk();
      while (!inFlight.isEmpty()) {
        writeOldest();
      }
      out.flush();
    } finally {
      for (Pending p : inFlight) {
        p.task().cancel(false);
      }
      inFlight.clear();
      freeChunks.clear();
      freeFrames.clear();
      chunk = null;
    }
  }
}

package io.proddatareset.backup;

import io.airlift.compress.zstd.ZstdCompressor;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes zstd as a series of independent frames, one per {@value #CHUNK}-byte chunk, each made by
 * aircompressor's one-shot compressor (with its content checksum). Concatenated frames are one
 * valid {@code .zst} stream. aircompressor's own streaming encoder compresses far worse (about 1.8
 * times the output of this for backup data) at the same speed.
 */
final class ZstdFramesOutputStream extends OutputStream {
  static final int CHUNK = 2 << 20;

  private final OutputStream out;
  private final ZstdCompressor compressor = new ZstdCompressor();
  private final byte[] chunk = new byte[CHUNK];
  private final byte[] frame = new byte[compressor.maxCompressedLength(CHUNK)];
  private int used;
  private boolean closed;

  ZstdFramesOutputStream(OutputStream out) {
    this.out = out;
  }

  @Override
  public void write(int b) throws IOException {
    if (used == CHUNK) {
      flushFrame();
    }
    chunk[used++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (used == CHUNK) {
        flushFrame();
      }
      int n = Math.min(len, CHUNK - used);
      System.arraycopy(b, off, chunk, used, n);
      used += n;
      off += n;
      len -= n;
    }
  }

  private void flushFrame() throws IOException {
    if (used == 0) {
      return;
    }
    int n = compressor.compress(chunk, 0, used, frame, 0, frame.length);
    out.write(frame, 0, n);
    used = 0;
  }

  /** Writes the last frame and closes the underlying stream. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    flushFrame();
    out.close();
  }
}

package io.proddatareset.backup;

import io.airlift.compress.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How a backup file is compressed, chosen by its name: {@code .gz} (gzip, at the fastest level
 * unless another is chosen), {@code .zst} (zstd), anything else plain. Compressed files are a
 * series of independent members, one per chunk of a megabyte or two ({@link FramedOutputStream});
 * {@code gzip -d} and {@code zstd -d} read them as one stream.
 */
public enum Compression {
  NONE("plain"),
  GZIP("gzip"),
  ZSTD("zstd");

  private static final int BUFFER = 1 << 16;

  private final String label;

  Compression(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** The compression a backup named {@code file} is written with. */
  public static Compression forFile(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".gz")) {
      return GZIP;
    }
    if (name.endsWith(".zst") || name.endsWith(".zstd")) {
      return ZSTD;
    }
    return NONE;
  }

  /**
   * Starts one compressed member on {@code out}, compressing on the writing thread. Closing the
   * returned stream finishes the member but leaves {@code out} open.
   */
  OutputStream member(OutputStream out) throws IOException {
    return member(out, null, 1, BackupOptions.DEFAULT_GZIP_LEVEL);
  }

  /**
   * Starts one compressed member on {@code out}, compressing its chunks on {@code executor} (with
   * {@code threads} threads) when that is not null, gzip at {@code gzipLevel}. Closing the returned
   * stream finishes the member but leaves {@code out} open.
   */
  OutputStream member(
      OutputStream out, java.util.concurrent.Executor executor, int threads, int gzipLevel)
      throws IOException {
    OutputStream shielded = new NonClosing(out);
    return switch (this) {
      case NONE -> shielded;
      case GZIP ->
          new FramedOutputStream(
              shielded, FramedOutputStream.Codec.GZIP, executor, threads, gzipLevel);
      case ZSTD ->
          new FramedOutputStream(
              shielded, FramedOutputStream.Codec.ZSTD, executor, threads, gzipLevel);
    };
  }

  /**
   * Opens a reader of a backup's bytes, recognising the compression by its magic bytes (not by the
   * name), and reading every concatenated member. Closing it closes {@code in}.
   */
  public static InputStream decompress(InputStream in) throws IOException {
    BufferedInputStream buffered =
        in instanceof BufferedInputStream b ? b : new BufferedInputStream(in, BUFFER);
    return switch (sniff(buffered)) {
      case NONE -> buffered;
      case GZIP -> new StrictGzipInputStream(buffered);
      case ZSTD -> new ZstdInputStream(buffered);
    };
  }

  /** Which compression the stream's first bytes show; does not consume them. */
  static Compression sniff(BufferedInputStream in) throws IOException {
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return GZIP;
    }
    if (magic.length == 4
        && (magic[0] & 0xff) == 0x28
        && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      return ZSTD;
    }
    return NONE;
  }

  private static final class NonClosing extends FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}

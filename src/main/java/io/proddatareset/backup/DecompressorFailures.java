package io.proddatareset.backup;

import io.proddatareset.ExitException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * Tells a failure of the decompressor (a damaged or cut-off stream, which aircompressor reports as
 * a plain {@link IOException}) from a failure to read the file (a disk error): the first is damage,
 * the second is not.
 */
final class DecompressorFailures extends FilterInputStream {
  /** The decompressor failed on bytes that were read without error. */
  static final class Failed extends IOException {
    Failed(IOException cause) {
      super(ExitException.firstLine(cause), cause);
    }
  }

  private final HashingInputStream raw;

  DecompressorFailures(InputStream decompressed, HashingInputStream raw) {
    super(decompressed);
    this.raw = raw;
  }

  @Override
  public int read() throws IOException {
    try {
      return in.read();
    } catch (IOException e) {
      throw classify(e);
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      return in.read(b, off, len);
    } catch (IOException e) {
      throw classify(e);
    }
  }

  private IOException classify(IOException e) {
    if (e instanceof BackupFormatException || e instanceof InterruptedIOException || raw.failed) {
      return e;
    }
    return new Failed(e);
  }
}

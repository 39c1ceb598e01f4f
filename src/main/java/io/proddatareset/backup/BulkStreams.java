package io.proddatareset.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Bases for the backup's streams, which move bytes in arrays: a single byte goes through the array
 * method, so each stream's logic is written once.
 */
final class BulkStreams {
  private BulkStreams() {}

  /** An input whose {@link #read()} reads one byte through {@link #read(byte[], int, int)}. */
  abstract static class Input extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public abstract int read(byte[] b, int off, int len) throws IOException;
  }

  /**
   * An output whose {@link #write(int)} writes one byte through {@link #write(byte[], int, int)}.
   */
  abstract static class Output extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public abstract void write(byte[] b, int off, int len) throws IOException;
  }
}

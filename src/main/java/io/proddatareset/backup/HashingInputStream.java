package io.proddatareset.backup;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/** Counts and hashes the stored bytes under the decompressor. */
final class HashingInputStream extends FilterInputStream {
  private final MessageDigest digest = Sha256.digest();
  private long count;

  /** Reading the stored bytes failed (not the decompressing of them). */
  boolean failed;

  HashingInputStream(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    int b;
    try {
      b = in.read();
    } catch (IOException e) {
      failed = true;
      throw e;
    }
    if (b >= 0) {
      digest.update((byte) b);
      count++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n;
    try {
      n = in.read(b, off, len);
    } catch (IOException e) {
      failed = true;
      throw e;
    }
    if (n > 0) {
      digest.update(b, off, n);
      count += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // skipping would leave bytes out of the checksum
    byte[] tmp = new byte[(int) Math.min(n, 8192)];
    int r = read(tmp, 0, tmp.length);
    return Math.max(r, 0);
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  long count() {
    return count;
  }

  String hex() {
    return Sha256.hex(digest);
  }
}

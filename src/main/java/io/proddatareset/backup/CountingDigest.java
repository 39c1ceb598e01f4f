package io.proddatareset.backup;

import io.proddatareset.catalog.TableName;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Hashes and counts one part's COPY data on its way to the part's stream, in batches: PgJDBC hands
 * over one small array per row, and passing each down the stream and into the digest on its own
 * cost more than the copying. Reports progress.
 */
final class CountingDigest extends BulkStreams.Output {
  private static final long REPORT_EVERY = 1 << 20;
  private static final int BATCH = 1 << 17;
  private final MessageDigest digest = Sha256.digest();
  private final OutputStream out;
  private final TableName table;
  private final BackupProgress progress;
  private final byte[] batch = new byte[BATCH];
  private int used;
  private long bytes;
  private long reported;

  CountingDigest(OutputStream out, TableName table, BackupProgress progress) {
    this.out = out;
    this.table = table;
    this.progress = progress;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (len > BATCH - used) {
      pass();
      if (len >= BATCH) {
        digest.update(b, off, len);
        out.write(b, off, len);
        count(len);
        return;
      }
    }
    System.arraycopy(b, off, batch, used, len);
    used += len;
    count(len);
  }

  private void count(int len) throws IOException {
    bytes += len;
    if (bytes - reported >= REPORT_EVERY) {
      progress.copied(table, 0, bytes - reported);
      reported = bytes;
    }
  }

  /** Hands the batch on. */
  private void pass() throws IOException {
    if (used > 0) {
      digest.update(batch, 0, used);
      out.write(batch, 0, used);
      used = 0;
    }
  }

  /** After the part's last row: passes the rest on (without closing the stream). */
  void finish(long rows) throws IOException {
    pass();
    progress.copied(table, rows, bytes - reported);
    reported = bytes;
  }

  /** The bytes counted so far. */
  long bytes() {
    return bytes;
  }

  /** The SHA-256 of what was passed on; call once, after {@link #finish}. */
  String sha256() {
    return Sha256.hex(digest);
  }
}

package io.proddatareset.backup;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Reads a file that an {@link OrderedFileAssembler} is still writing, up to the end of its complete
 * parts, waiting for more until the writing is finished; so a backup is checked while it is
 * written, from the file itself.
 */
final class TailInputStream extends BulkStreams.Input {
  private final FileChannel file;
  private final OrderedFileAssembler writer;
  private long position;
  private long available;

  TailInputStream(FileChannel file, OrderedFileAssembler writer) {
    this.file = file;
    this.writer = writer;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (position >= available) {
      try {
        available = writer.awaitCommitted(position);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("stopped while checking the backup");
      }
      if (position >= available) {
        return -1;
      }
    }
    int n = (int) Math.min(len, available - position);
    int got = file.read(ByteBuffer.wrap(b, off, n), position);
    if (got < 0) {
      throw new IOException("the backup file is shorter than what was written to it");
    }
    position += got;
    return got;
  }

  @Override
  public int available() {
    return (int) Math.min(Integer.MAX_VALUE, available - position);
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}

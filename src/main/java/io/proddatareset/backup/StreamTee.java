package io.proddatareset.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Passes a streamed backup on to its destination (stdout) and hands the same bytes, in the same
 * order, to a reader on another thread, which checks them as they go: a stream cannot be read back,
 * but what was sent can be. The reader's queue is bounded, so a reader that falls behind slows the
 * writer down; a reader that stops ({@link InputStream#close}) makes the next write fail instead of
 * waiting for ever.
 */
final class StreamTee extends BulkStreams.Output {
  private static final byte[] END = new byte[0];
  private static final byte[] ABORT = new byte[0];
  private static final int QUEUE = 32;

  private final OutputStream destination;
  private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE);
  private volatile boolean readerGone;
  private boolean closed;

  /** Writes go to {@code destination}, which is flushed with this stream but never closed. */
  StreamTee(OutputStream destination) {
    this.destination = destination;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return;
    }
    destination.write(b, off, len);
    byte[] copy = new byte[len];
    System.arraycopy(b, off, copy, 0, len);
    hand(copy);
  }

  @Override
  public void flush() throws IOException {
    destination.flush();
  }

  /** Flushes the destination and ends the reader's stream; the destination stays open. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    destination.flush();
    hand(END);
  }

  private void hand(byte[] chunk) throws IOException {
    try {
      do {
        if (readerGone) {
          throw new IOException("the check of the streamed bytes stopped");
        }
      } while (!queue.offer(chunk, 100, TimeUnit.MILLISECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while streaming the backup");
    }
  }

  /** The bytes written, for one reader; closing it stops the handing over. */
  InputStream reader() {
    return new BulkStreams.Input() {
      private byte[] chunk;
      private int pos;
      private boolean ended;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        while (chunk == null || pos == chunk.length) {
          if (ended) {
            return -1;
          }
          try {
            chunk = queue.take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("stopped while checking the streamed backup");
          }
          pos = 0;
          if (chunk == END) {
            ended = true;
            return -1;
          }
          if (chunk == ABORT) {
            chunk = null;
            ended = true;
            throw new IOException("the backup stopped");
          }
        }
        int n = Math.min(len, chunk.length - pos);
        System.arraycopy(chunk, pos, b, off, n);
        pos += n;
        return n;
      }

      @Override
      public void close() {
        readerGone = true;
        queue.clear();
      }
    };
  }

  /**
   * Ends the handing over after a failure on either side: the writer fails at its next write, a
   * reader waiting for bytes fails at once.
   */
  void readerFailed() {
    readerGone = true;
    queue.clear();
    queue.offer(ABORT);
  }
}

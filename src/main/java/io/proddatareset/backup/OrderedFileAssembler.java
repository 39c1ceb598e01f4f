package io.proddatareset.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts parts written concurrently into one output in part order. The part at the head of the order
 * writes straight through; the others hold their bytes in a {@link SpillBuffer} until they reach
 * the head. Each part is written by one thread; parts may be opened in any order.
 *
 * <p>Parts may be added at the end ({@link #addPart}) until the output is finished.
 *
 * <p>Whenever a part is complete, the output is flushed and the length of the complete parts is
 * published ({@link #awaitCommitted}), so that a reader can follow the file while it is written.
 */
final class OrderedFileAssembler {
  /** How much the head part writes before readers may see it, while it is still being written. */
  private static final long PUBLISH_EVERY = 4L << 20;

  private final Counting out;
  private long committed;
  private boolean finished;
  private final Path spillDir;
  private final long memoryPerPart;
  private final java.util.concurrent.atomic.AtomicLong memoryBudget;
  private final List<PartOutput> parts = new ArrayList<>();
  private volatile int head;
  private volatile IOException failure;

  /**
   * @param out the destination; written under this object's lock only
   * @param memoryPerPart what one waiting part may hold in memory
   * @param memoryTotal what all waiting parts together may hold in memory
   */
  OrderedFileAssembler(
      OutputStream out, int partCount, Path spillDir, long memoryPerPart, long memoryTotal) {
    this.out = new Counting(out);
    this.spillDir = spillDir;
    this.memoryPerPart = memoryPerPart;
    this.memoryBudget = new java.util.concurrent.atomic.AtomicLong(memoryTotal);
    for (int i = 0; i < partCount; i++) {
      parts.add(null);
    }
  }

  /** The stream of part {@code index}; close it when the part is complete. */
  synchronized OutputStream open(int index) throws IOException {
    check();
    if (parts.get(index) != null) {
      throw new IllegalStateException("part " + index + " opened twice");
    }
    PartOutput p = new PartOutput(index);
    parts.set(index, p);
    return p;
  }

  /**
   * Adds a part after the last one and returns its index: a backup that takes rows appended after
   * its first copy ({@link BackupInProgress#append}) does not know its parts in advance.
   */
  synchronized int addPart() throws IOException {
    check();
    if (finished) {
      throw new IllegalStateException("the output is finished");
    }
    parts.add(null);
    return parts.size() - 1;
  }

  /** True once every part has been written to the destination. */
  synchronized boolean complete() {
    return head == parts.size();
  }

  /** Makes every part fail at its next write, and readers at their next wait. */
  void abort(IOException cause) {
    if (failure == null) {
      failure = cause;
    }
    synchronized (this) {
      notifyAll();
    }
  }

  /** After the last part: flushes the output and lets readers reach its end. */
  synchronized void finish() throws IOException {
    out.flush();
    committed = out.count;
    finished = true;
    notifyAll();
  }

  /** Bytes written to the output so far. */
  synchronized long written() {
    return out.count;
  }

  /**
   * Waits until the published output reaches beyond {@code position}: complete parts, and the head
   * part's bytes every few megabytes. Returns its length, which is {@code position} or less only
   * when the output is finished.
   *
   * @throws IOException when the writing was aborted
   */
  synchronized long awaitCommitted(long position) throws IOException, InterruptedException {
    while (committed <= position && !finished && failure == null) {
      wait();
    }
    if (failure != null) {
      throw new IOException("the backup stopped", failure);
    }
    return committed;
  }

  /** Frees every buffer and temporary file; once no part is being written any more. */
  synchronized void discard() {
    for (PartOutput p : parts) {
      if (p != null) {
        p.buffer.discard();
      }
    }
  }

  private void check() throws IOException {
    IOException f = failure;
    if (f != null) {
      throw new IOException("stopped: another part failed", f);
    }
  }

  private void writeOut(byte[] b, int off, int len) throws IOException {
    try {
      out.write(b, off, len);
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }

  /**
   * Called with the lock held while the head part writes: lets readers follow a long part before it
   * is complete.
   */
  private void publish() throws IOException {
    try {
      out.flush();
    } catch (IOException e) {
      failure = e;
      throw e;
    }
    committed = out.count;
    notifyAll();
  }

  /** Called with the lock held after the head part closed: moves on past finished parts. */
  private void advance() throws IOException {
    head++;
    try {
      while (head < parts.size()) {
        PartOutput next = parts.get(head);
        if (next == null || !next.closed) {
          break;
        }
        next.buffer.drainTo(out);
        head++;
      }
    } catch (IOException e) {
      failure = e;
      throw e;
    }
    publish();
  }

  /** Counts what goes to the output. */
  private static final class Counting extends java.io.FilterOutputStream {
    long count;

    Counting(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }

  private final class PartOutput extends BulkStreams.Output {
    private final int index;
    private final SpillBuffer buffer;
    private boolean direct;
    private boolean closed;

    PartOutput(int index) {
      this.index = index;
      this.buffer = new SpillBuffer(spillDir, memoryPerPart, memoryBudget);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      check();
      if (!direct && head == index) {
        synchronized (OrderedFileAssembler.this) {
          if (!buffer.isEmpty()) {
            try {
              buffer.drainTo(out);
            } catch (IOException e) {
              failure = e;
              throw e;
            }
          }
        }
        direct = true;
      }
      if (direct) {
        synchronized (OrderedFileAssembler.this) {
          writeOut(b, off, len);
          if (out.count - committed >= PUBLISH_EVERY) {
            publish();
          }
        }
      } else {
        buffer.write(b, off, len);
      }
    }

    @Override
    public void close() throws IOException {
      synchronized (OrderedFileAssembler.this) {
        if (closed) {
          return;
        }
        check();
        closed = true;
        if (head == index) {
          if (!direct && !buffer.isEmpty()) {
            try {
              buffer.drainTo(out);
            } catch (IOException e) {
              failure = e;
              throw e;
            }
          }
          advance();
        }
      }
    }
  }
}

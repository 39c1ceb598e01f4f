package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.Sizes;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.catalog.TableName;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows backup and restore progress on one stderr line that is rewritten in place: rows and bytes
 * so far, the table most recently moving data, the overall rate. Used only when a person watches a
 * terminal; otherwise commands stay quiet.
 */
final class ProgressPrinter implements BackupProgress {
  private static final long INTERVAL_NANOS = 250_000_000L;

  private final PrintStream err;
  private final long started = System.nanoTime();
  private long rows;
  private long bytes;
  private long lastPrint;
  private String phase = "copying";
  private TableName current;
  private int width;

  private ProgressPrinter(PrintStream err) {
    this.err = err;
  }

  /** A printer when {@code io} is a terminal, otherwise {@link BackupProgress#NONE}. */
  static BackupProgress forIo(Io io) {
    return io.interactive() ? new ProgressPrinter(io.err()) : BackupProgress.NONE;
  }

  @Override
  public synchronized void copied(TableName table, long rowsDelta, long bytesDelta) {
    rows += rowsDelta;
    bytes += bytesDelta;
    current = table;
    long now = System.nanoTime();
    if (now - lastPrint >= INTERVAL_NANOS) {
      lastPrint = now;
      print(now);
    }
  }

  @Override
  public synchronized void phase(String description) {
    phase = description;
    print(System.nanoTime());
  }

  /** Ends the progress line so that the result starts on a fresh one; again, does nothing. */
  static void finish(BackupProgress progress) {
    if (progress instanceof ProgressPrinter p) {
      p.done();
    }
  }

  private synchronized void done() {
    if (width > 0) {
      err.print("\r" + " ".repeat(width) + "\r");
      err.flush();
      width = 0;
    }
  }

  private void print(long now) {
    double seconds = Math.max(0.001, (now - started) / 1e9);
    String line =
        String.format(
            Locale.ROOT,
            "%s: %s, %s, %s/s%s",
            phase,
            Counts.of(rows, "row"),
            Sizes.bytes(bytes),
            Sizes.bytes((long) (bytes / seconds)),
            current == null ? "" : " (" + current.display() + ")");
    if (line.length() > 100) {
      line = line.substring(0, 97) + "...";
    }
    String padded = line.length() < width ? line + " ".repeat(width - line.length()) : line;
    width = line.length();
    err.print("\r" + padded);
    err.flush();
  }
}

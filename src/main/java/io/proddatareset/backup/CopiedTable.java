package io.proddatareset.backup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * What the parts of one table produced: each part's rows, bytes and SHA-256, recorded by the thread
 * that copied it; the check awaits each part's row count before it reads the part.
 */
final class CopiedTable {
  private final long[] rows;
  private final long[] bytes;
  private final String[] sha256;
  private final List<CompletableFuture<Long>> done = new ArrayList<>();

  private CopiedTable(int parts) {
    rows = new long[parts];
    bytes = new long[parts];
    sha256 = new String[parts];
    for (int i = 0; i < parts; i++) {
      done.add(new CompletableFuture<>());
    }
  }

  /** One per table, each with as many parts as {@code parts} gives it. */
  static List<CopiedTable> forParts(int tables, List<CopyParts.Part> parts) {
    int[] count = new int[tables];
    for (CopyParts.Part p : parts) {
      count[p.table()]++;
    }
    List<CopiedTable> out = new ArrayList<>();
    for (int i = 0; i < tables; i++) {
      out.add(new CopiedTable(count[i]));
    }
    return out;
  }

  int parts() {
    return rows.length;
  }

  /** Records part {@code part}, before its stream is complete, so the check finds it there. */
  void record(int part, long partRows, long partBytes, String partSha256) {
    synchronized (this) {
      rows[part] = partRows;
      bytes[part] = partBytes;
      sha256[part] = partSha256;
    }
    done.get(part).complete(partRows);
  }

  /** Makes the check's wait for any part fail: the backup stopped. */
  void fail(IOException stop) {
    done.forEach(f -> f.completeExceptionally(stop));
  }

  long awaitRows(int part) throws IOException {
    try {
      return DaemonThreads.await(done.get(part), "stopped while checking the backup");
    } catch (ExecutionException e) {
      throw new IOException("the backup stopped", e.getCause());
    }
  }

  /** The parts as the manifest records them, and their total rows and bytes. */
  synchronized Totals totals() {
    long allRows = 0;
    long allBytes = 0;
    List<BackupManifest.PartEntry> entries = new ArrayList<>();
    for (int k = 0; k < rows.length; k++) {
      allRows += rows[k];
      allBytes += bytes[k];
      entries.add(new BackupManifest.PartEntry(rows[k], sha256[k]));
    }
    return new Totals(allRows, allBytes, entries);
  }

  record Totals(long rows, long bytes, List<BackupManifest.PartEntry> parts) {}
}

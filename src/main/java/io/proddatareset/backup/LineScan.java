package io.proddatareset.backup;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Finds line breaks in COPY text eight bytes at a time: the backup's check and the restore count
 * every row of a file, and a byte-by-byte loop was the largest cost of reading a backup.
 */
final class LineScan {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long LOWS = 0x7F7F7F7F7F7F7F7FL;
  private static final long NEWLINES = '\n' * ONES;
  private static final long BACKSLASHES = '\\' * ONES;

  private LineScan() {}

  /** The word of eight bytes at {@code i}, the byte at {@code i} lowest. */
  static long word(byte[] b, int i) {
    return (long) LONGS.get(b, i);
  }

  /** The high bit of every byte of {@code w} that is a line break; no false positives. */
  static long newlines(long w) {
    return equalBytes(w, NEWLINES);
  }

  /** The high bit of every byte of {@code w} that is a backslash. */
  static long backslashes(long w) {
    return equalBytes(w, BACKSLASHES);
  }

  private static long equalBytes(long w, long pattern) {
    long x = w ^ pattern;
    return ~(((x & LOWS) + LOWS) | x | LOWS);
  }

  /** How many line breaks {@code b[from, to)} holds. */
  static long count(byte[] b, int from, int to) {
    long n = 0;
    int i = from;
    for (; i + 8 <= to; i += 8) {
      n += Long.bitCount(newlines(word(b, i)));
    }
    for (; i < to; i++) {
      if (b[i] == '\n') {
        n++;
      }
    }
    return n;
  }

  /**
   * The index just after the {@code n}-th line break in {@code b[from, to)} ({@code n >= 1}), or -1
   * when it holds fewer.
   */
  static int afterNth(byte[] b, int from, int to, long n) {
    long left = n;
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long m = newlines(word(b, i));
      int c = Long.bitCount(m);
      if (c < left) {
        left -= c;
        continue;
      }
      // the wanted break is in this word: drop the ones before it
      while (left > 1) {
        m &= m - 1;
        left--;
      }
      return i + (Long.numberOfTrailingZeros(m) >>> 3) + 1;
    }
    for (; i < to; i++) {
      if (b[i] == '\n' && --left == 0) {
        return i + 1;
      }
    }
    return -1;
  }
}

package io.proddatareset.cli;

import io.proddatareset.Counts;
import java.util.Locale;

/** Numbers for people: 12,345 rows and 312 kB, as psql's pg_size_pretty shows sizes. */
final class Sizes {
  private Sizes() {}

  static String bytes(long bytes) {
    String[] units = {"bytes", "kB", "MB", "GB", "TB", "PB"};
    double v = bytes;
    int unit = 0;
    // pg_size_pretty switches unit at 10 * 1024 so the figures keep 4 significant digits
    while (unit < units.length - 1 && Math.abs(v) >= 10 * 1024) {
      v /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%d %s", Math.round(v), units[unit]);
  }

  static String count(long n) {
    return Counts.number(n);
  }
}

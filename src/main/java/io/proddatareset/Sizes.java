package io.proddatareset;

import java.util.Locale;

/** Sizes for people, as psql's {@code pg_size_pretty} shows them: 312 kB, 12 MB. */
public final class Sizes {
  private Sizes() {}

  /** {@code bytes} in the largest unit that keeps four significant digits. */
  public static String bytes(long bytes) {
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
}

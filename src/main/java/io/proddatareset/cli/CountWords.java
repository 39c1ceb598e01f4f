package io.proddatareset.cli;

import java.util.Locale;

/**
 * A count with its noun, in the same form whatever the machine's locale: "1 table", "2,018 rows".
 */
final class CountWords {
  private CountWords() {}

  /** {@code n} with thousands separators, then {@code one} when n is 1, else {@code many}. */
  static String of(long n, String one, String many) {
    return number(n) + " " + (n == 1 ? one : many);
  }

  /** {@code n} with thousands separators: 2,018. */
  static String number(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}

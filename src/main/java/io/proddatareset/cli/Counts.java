package io.proddatareset.cli;

/**
 * The renderers' short name for {@link io.proddatareset.Counts}, where the tool pluralises: "1
 * table", "2 tables", "1,024 rows".
 */
final class Counts {
  private Counts() {}

  /** {@code n} and the noun, with an "s" unless {@code n} is 1: "1 table", "3 tables". */
  static String of(long n, String noun) {
    return io.proddatareset.Counts.of(n, noun);
  }

  /** {@code n} and the singular or plural noun: "1 entry", "2 entries". */
  static String of(long n, String singular, String plural) {
    return io.proddatareset.Counts.of(n, singular, plural);
  }

  /** The singular or plural noun alone, for a count shown in its own column. */
  static String noun(long n, String noun) {
    return io.proddatareset.Counts.noun(n, noun);
  }
}

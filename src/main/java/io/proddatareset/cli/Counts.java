package io.proddatareset.cli;

/**
 * A count with its noun for people: "1 table", "2 tables", "1,024 rows". The one place where plan
 * text (and any other renderer) pluralises, so that no "1 kept tables" slips through.
 */
final class Counts {
  private Counts() {}

  /** {@code n} and the noun, with an "s" unless {@code n} is 1: "1 table", "3 tables". */
  static String of(long n, String noun) {
    return of(n, noun, noun + "s");
  }

  /** {@code n} and the singular or plural noun: "1 entry", "2 entries". */
  static String of(long n, String singular, String plural) {
    return Sizes.count(n) + " " + (n == 1 ? singular : plural);
  }
}

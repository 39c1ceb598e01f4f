package io.proddatareset;

import java.util.Locale;

/**
 * A count with its noun for people: "1 table", "2 tables", "1,024 rows", with the same digits and
 * separators whatever the machine's locale. The one place where the tool pluralises, shared by the
 * renderers in {@code cli} and the messages of the services below it, so that no "1 kept tables"
 * slips through.
 */
public final class Counts {
  private Counts() {}

  /** {@code n} and the noun, with an "s" unless {@code n} is 1: "1 table", "3 tables". */
  public static String of(long n, String noun) {
    return of(n, noun, noun + "s");
  }

  /** {@code n} and the singular or plural noun: "1 entry", "2 entries". */
  public static String of(long n, String singular, String plural) {
    return number(n) + " " + (n == 1 ? singular : plural);
  }

  /** The singular or plural noun alone, for a count shown elsewhere (in a column). */
  public static String noun(long n, String noun) {
    return n == 1 ? noun : noun + "s";
  }

  /** {@code n} with thousands separators: "1,024". */
  public static String number(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}

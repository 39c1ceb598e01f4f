package io.proddatareset;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write and read them, the one place for both: options take {@code 500ms},
 * {@code 5s}, {@code 2m}, {@code 1h}; messages show {@code 5s} or {@code 500ms}, and elapsed times
 * {@code 1.7s}, in the same form whatever the machine's locale.
 */
public final class Durations {
  private static final Pattern FORM = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)?");

  private Durations() {}

  /**
   * Parses an option's value.
   *
   * @throws ExitException USAGE naming {@code option} when the text is not a positive duration
   */
  public static Duration parse(String option, String text) {
    Matcher m = FORM.matcher(text.strip());
    if (!m.matches()) {
      throw ExitException.usage(
          option + " '" + text + "' is not a duration: use e.g. 500ms, 5s, 2m.");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    Duration d =
        switch (unit) {
          case "ms" -> Duration.ofMillis(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofSeconds(n);
        };
    if (d.isZero()) {
      throw ExitException.usage(option + " must be more than zero.");
    }
    return d;
  }

  /** A limit as the options write it: {@code 5s}, or {@code 500ms} when not whole seconds. */
  public static String limit(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }

  /** An elapsed time in seconds with one decimal: {@code 1.7s}. */
  public static String elapsed(long millis) {
    return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
  }
}

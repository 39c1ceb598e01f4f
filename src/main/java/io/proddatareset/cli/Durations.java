package io.proddatareset.cli;

import io.proddatareset.ExitException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations as people write them: {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}. */
final class Durations {
  private static final Pattern FORM = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)?");

  private Durations() {}

  static Duration parse(String option, String text) {
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
}

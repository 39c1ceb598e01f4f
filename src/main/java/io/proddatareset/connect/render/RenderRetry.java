package io.proddatareset.connect.render;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When to ask the Render API again after a 429 or a 5xx, as Render asks its clients to: after the
 * time {@code Ratelimit-Reset} gives (Render documents it as the reset time in epoch seconds, while
 * its example reads like seconds to wait; a value that can only be a point in time is taken as one,
 * a small one as seconds to wait), else with exponential backoff and jitter. All the waits of one
 * lookup together stay within a budget (about 30 s): a CLI that a rate limit keeps busy for minutes
 * is worse than one that says so.
 */
final class RenderRetry {
  /** The most one lookup waits in all. */
  static final Duration DEFAULT_BUDGET = Duration.ofSeconds(30);

  // a number this large is a point in time (2001-09-09 or later), never seconds to wait
  private static final double EPOCH_SECONDS_FROM = 1_000_000_000;
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(8);
  private static final Duration RESET_JITTER = Duration.ofMillis(250);

  /** Waits; the standard one sleeps, a test's records and moves its clock. */
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  final Clock clock;
  final Sleeper sleeper;
  private final DoubleSupplier jitter;
  final Duration budget;

  /**
   * @param clock the time {@code Ratelimit-Reset} as epoch seconds is measured against
   * @param jitter values in [0, 1)
   */
  RenderRetry(Clock clock, Sleeper sleeper, DoubleSupplier jitter, Duration budget) {
    this.clock = clock;
    this.sleeper = sleeper;
    this.jitter = jitter;
    this.budget = budget;
  }

  static RenderRetry standard() {
    return new RenderRetry(
        Clock.systemUTC(),
        d -> Thread.sleep(d.toMillis()),
        () -> ThreadLocalRandom.current().nextDouble(),
        DEFAULT_BUDGET);
  }

  static boolean retried(int status) {
    return status == 429 || status >= 500 && status <= 599;
  }

  /**
   * How long the response asks to wait before the next attempt, from {@code Ratelimit-Reset} (or
   * {@code Retry-After} in seconds); null when it says nothing usable.
   */
  Duration asked(HttpResponse<?> response) {
    Duration reset = seconds(response.headers().firstValue("Ratelimit-Reset").orElse(null), true);
    return reset != null
        ? reset
        : seconds(response.headers().firstValue("Retry-After").orElse(null), false);
  }

  /**
   * The wait before retry number {@code retry} (0 for the first), with jitter: the time asked for,
   * but never less than the exponential backoff, so that a reset time already past does not turn
   * the retries into a burst.
   */
  Duration wait(Duration asked, int retry) {
    long backoff =
        Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(retry, 10));
    Duration backedOff = Duration.ofMillis((long) (backoff * (0.5 + 0.5 * jitter.getAsDouble())));
    if (asked == null) {
      return backedOff;
    }
    Duration fromHeader = asked.plusMillis((long) (jitter.getAsDouble() * RESET_JITTER.toMillis()));
    return fromHeader.compareTo(backedOff) >= 0 ? fromHeader : backedOff;
  }

  private Duration seconds(String value, boolean epochAllowed) {
    if (value == null) {
      return null;
    }
    double v;
    try {
      v = Double.parseDouble(value.strip());
    } catch (NumberFormatException e) {
      return null;
    }
    if (Double.isNaN(v) || Double.isInfinite(v) || v < 0) {
      return null;
    }
    if (v >= EPOCH_SECONDS_FROM) {
      if (!epochAllowed) {
        return null;
      }
      long ms = (long) (v * 1000) - clock.millis();
      return Duration.ofMillis(Math.max(0, ms));
    }
    return Duration.ofMillis((long) (v * 1000));
  }
}

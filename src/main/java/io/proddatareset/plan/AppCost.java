package io.proddatareset.plan;

import io.proddatareset.pg.LockAttempts;
import io.proddatareset.pg.LockHolders;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a reset would cost the running app, as the plan tells it: how long writers into the reset
 * and kept tables wait (the reset's final phase, which holds them off while it works through the
 * reset tables), how long readers wait (one exclusive lock attempt at a time), and the sessions
 * that would block the exclusive lock right now.
 *
 * <p>The writers' wait is the size of the reset tables divided by a rate: the one measured by the
 * newest reset of this database that recorded its final phase, or else {@link #ASSUMED_RATE}. Where
 * the exclusive lock has to be retried, writers also wait through those attempts (at most {@code
 * --lock-timeout}): the estimate leaves that out and says so.
 *
 * @param resetBytes the size of the reset tables (the plan's sizes)
 * @param writerWaitMillis the writers' estimated wait for the final phase
 * @param readerWaitMillis the longest a reader waits at a time: one lock attempt
 * @param rateBytesPerSecond the rate the estimate is from
 * @param measuredAt when the reset that measured the rate ran, or null when it is assumed
 * @param blockers the sessions that would block the exclusive lock now ({@link
 *     ResetPlan#truncateBlockers})
 */
public record AppCost(
    long resetBytes,
    long writerWaitMillis,
    long readerWaitMillis,
    double rateBytesPerSecond,
    Instant measuredAt,
    List<LockHolders.Holder> blockers) {

  /**
   * The rate assumed when none is recorded: about what one core scans of table data per second
   * (reading, fingerprinting and classifying), rounded down.
   */
  public static final double ASSUMED_RATE = 400.0 * 1024 * 1024;

  public AppCost {
    blockers = List.copyOf(blockers);
  }

  /**
   * A reset's final phase as the audit log recorded it.
   *
   * @param time when that reset ran
   * @param millis how long its final phase held writers off
   * @param bytes the size of the reset tables it worked through
   */
  public record Measured(Instant time, long millis, long bytes) {}

  /**
   * The cost of {@code plan}, from {@code measured} when a reset of this database recorded its
   * final phase (a measurement of nothing, 0 bytes or 0 ms, is not used).
   */
  public static AppCost of(ResetPlan plan, Optional<Measured> measured) {
    long bytes = resetBytes(plan);
    Optional<Measured> usable = measured.filter(m -> m.millis() > 0 && m.bytes() > 0);
    double rate = usable.map(m -> m.bytes() * 1000.0 / m.millis()).orElse(ASSUMED_RATE);
    return new AppCost(
        bytes,
        Math.round(bytes * 1000.0 / rate),
        LockAttempts.Tuning.DEFAULT.attempt().toMillis(),
        rate,
        usable.map(Measured::time).orElse(null),
        plan.truncateBlockers());
  }

  /** The size of {@code plan}'s reset tables: what the final phase scans, what a rate divides. */
  public static long resetBytes(ResetPlan plan) {
    return plan.tables().stream()
        .filter(t -> t.action() == Action.RESET)
        .mapToLong(t -> Math.max(0, t.sizeBytes()))
        .sum();
  }

  /** True when the rate was measured by an earlier reset, false when it is assumed. */
  public boolean measured() {
    return measuredAt != null;
  }
}

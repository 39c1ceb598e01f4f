package io.proddatareset.plan;

import java.time.Duration;

/**
 * How {@link PlanService} computes a plan.
 *
 * @param estimateRows use the planner's row estimates ({@code --estimate}) instead of {@code
 *     count(*)}
 * @param lockTimeout how long a plan in its own transaction waits for a table lock before it fails
 *     naming the holders; unused in the caller's transaction, whose settings apply
 */
public record PlanOptions(boolean estimateRows, Duration lockTimeout) {
  /** The lock timeout of a plan in its own transaction. */
  public static final Duration LOCK_TIMEOUT = Duration.ofSeconds(10);

  /** Exact row counts, the default. */
  public static PlanOptions exactCounts() {
    return new PlanOptions(false, LOCK_TIMEOUT);
  }

  /** The planner's row estimates: fast, with no full scan. */
  public static PlanOptions estimates() {
    return new PlanOptions(true, LOCK_TIMEOUT);
  }

  /** The same options with another lock timeout. */
  public PlanOptions withLockTimeout(Duration timeout) {
    return new PlanOptions(estimateRows, timeout);
  }
}

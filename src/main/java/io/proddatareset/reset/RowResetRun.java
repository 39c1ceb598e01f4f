package io.proddatareset.reset;

import java.util.List;

/** The row reset's result as the reset command's flow carries it ({@link ResetRun}). */
final class RowResetRun {
  private RowResetRun() {}

  /**
   * A {@link ResetResult} for a row reset: no table truncated, the rows deleted, the plan computed
   * under the row locks (its subset's closure is what was deleted and updated), and the time from
   * the first row lock attempt until every row was locked as the "final phase".
   */
  static ResetResult asResetResult(RowResetResult r) {
    return new ResetResult(
        r.plan(),
        r.backup(),
        List.of(),
        List.of(),
        r.rowsDeleted(),
        r.millis(),
        false,
        r.marks(),
        r.lockWaited().toMillis());
  }
}

package io.proddatareset.reset;

import io.proddatareset.pg.ChangeStep;

/**
 * A reset in progress, whole tables ({@link ResetService}) or rows ({@link RowReset}): another
 * thread can stop it (Ctrl-C) and read the step it is in, which is all {@link ResetRun} needs.
 */
interface RunningReset {
  /**
   * Before the commit: cancels the running statement and closes the connection, so that the server
   * rolls back; once COMMIT is sent: nothing, so that the commit finishes.
   */
  void interrupt();

  /** The step the reset is in now (or ended in). */
  ChangeStep step();
}

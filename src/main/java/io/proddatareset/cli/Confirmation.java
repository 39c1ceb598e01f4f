package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import java.io.IOException;

/**
 * The typed confirmation that names the target. Interactively the user types the database name;
 * without a terminal the caller must pass {@code --confirm DBNAME}. The prompt goes to stderr so
 * stdout stays data.
 */
final class Confirmation {
  private Confirmation() {}

  /**
   * Returns normally only when the user named {@code database}.
   *
   * @throws ExitException REFUSED without a terminal and without {@code --confirm}; CANCELLED when
   *     the name given is not the target's
   */
  static void require(Io io, String database, String confirmOption, String action) {
    if (confirmOption != null) {
      if (!confirmOption.equals(database)) {
        throw new ExitException(
            ExitStatus.CANCELLED,
            "Cancelled: --confirm names '"
                + confirmOption
                + "' but the target database is '"
                + database
                + "'. Nothing was changed.");
      }
      return;
    }
    if (!io.interactive()) {
      throw ExitException.refused(
          "No terminal to confirm at: review the plan, then pass --confirm "
              + database
              + " to "
              + action
              + ". Nothing was changed.");
    }
    io.err().print("To " + action + ", type the database name (" + database + "): ");
    io.err().flush();
    String typed;
    try {
      typed = io.in().readLine();
    } catch (IOException e) {
      typed = null;
    }
    if (typed == null || !typed.strip().equals(database)) {
      throw new ExitException(
          ExitStatus.CANCELLED,
          "Cancelled: "
              + (typed == null ? "no answer" : "'" + typed.strip() + "' is not '" + database + "'")
              + ". Nothing was changed.");
    }
  }
}

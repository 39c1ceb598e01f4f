package io.proddatareset;

/**
 * Process exit codes, each meaning one thing, so that an agent can act on the code alone. Listed in
 * {@code --help}, the README and the skill; never renumber them.
 */
public enum ExitStatus {
  OK(0, "success"),
  FAILURE(1, "failure: the operation did not complete; nothing was changed unless it says so"),
  USAGE(
      2,
      "bad input: a malformed option, URL, policy or manifest, a name that matches no table, or a"
          + " path that cannot be used; nothing was changed"),
  REFUSED(
      3,
      "refused by a safety check, nothing was changed: a hazard, a missing confirmation or consent,"
          + " a changed plan, a check that rolled back, a damaged backup, another database, or"
          + " another reset or restore running"),
  VERIFICATION_FAILED(
      4, "committed, but verification could not prove the result (or verify found a failure)"),
  CANCELLED(5, "cancelled at the confirmation prompt; nothing was changed"),
  INTERRUPTED(130, "interrupted (Ctrl-C or SIGTERM); the message says what state it left");

  private final int code;
  private final String meaning;

  ExitStatus(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  public int code() {
    return code;
  }

  public String meaning() {
    return meaning;
  }
}

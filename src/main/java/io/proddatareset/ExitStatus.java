package io.proddatareset;

/** Process exit codes. Listed in {@code --help} and the README; never renumber them. */
public enum ExitStatus {
  OK(0, "success"),
  FAILURE(1, "failure: the operation did not complete; nothing was changed unless it says so"),
  USAGE(2, "usage error: a malformed option, argument or URL"),
  REFUSED(3, "refused by a safety check (hazard, missing confirmation, agent without consent)"),
  VERIFICATION_FAILED(4, "verification failed"),
  CANCELLED(5, "cancelled at the confirmation prompt");

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

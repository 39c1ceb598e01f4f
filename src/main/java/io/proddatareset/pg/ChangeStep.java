package io.proddatareset.pg;

/**
 * The steps of a transaction that changes a database (a reset or a restore), in the order they run;
 * an interrupt and the message of an interrupted run name the step it came in.
 */
public enum ChangeStep {
  LOCKING("locking the tables"),
  /** reset: the kept tables' row counts and hashes */
  FINGERPRINTING("fingerprinting the kept tables"),
  /** reset: the backup written from the locked snapshot */
  BACKING_UP("backing up"),
  /** reset */
  TRUNCATING("truncating"),
  /** row reset: the closure's rows updated and deleted, children first */
  DELETING("deleting the selected rows"),
  /** reset: reset tables empty, kept tables unchanged, before the commit */
  CHECKING("checking inside the transaction"),
  /** restore: the rows copied in */
  LOADING("loading"),
  /** restore: the foreign keys checked again */
  VALIDATING("validating the foreign keys"),
  COMMITTING("committing"),
  COMMITTED("after the commit");

  private final String description;

  ChangeStep(String description) {
    this.description = description;
  }

  /** e.g. {@code backing up}, as in "Interrupted while backing up". */
  public String description() {
    return description;
  }

  /** True once COMMIT was sent: from then on the change may have been applied. */
  public boolean commitSent() {
    return this == COMMITTING || this == COMMITTED;
  }
}

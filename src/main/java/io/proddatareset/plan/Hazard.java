package io.proddatareset.plan;

import io.proddatareset.catalog.TableName;
import java.util.List;

/**
 * A reason the reset is refused (exit 3). Every hazard of a plan is reported together, each with
 * what to do about it.
 *
 * @param code stable identifier for programs
 * @param message what is wrong, naming tables, constraints and columns
 * @param remedy what to do about it
 * @param tables the tables concerned
 */
public record Hazard(Code code, String message, String remedy, List<TableName> tables) {
  public Hazard {
    tables = List.copyOf(tables);
  }

  /** Hazard codes, as they appear in JSON. */
  public enum Code {
    /** No --keep, --reset or --policy: nothing says which tables to reset. */
    NO_POLICY,
    /** A table in neither list when both are given: the policy is stale. */
    UNCLASSIFIED_TABLE,
    /** A kept table (or one outside the schemas) has a foreign key into a reset table. */
    KEPT_REFERENCES_RESET,
    /** A kept table (or one outside the schemas) inherits from a reset table (INHERITS). */
    KEPT_INHERITS_RESET,
    /** The server is a hot standby: it cannot be written. */
    HOT_STANDBY,
    /** The current user may not TRUNCATE a reset table. */
    NO_TRUNCATE_PRIVILEGE,
    /** The current user may not read a table the reset must back up or check. */
    NO_SELECT_PRIVILEGE,
    /** A row-level security policy hides rows of a reset or kept table from the current user. */
    ROW_SECURITY,
    /** A name in a reset table (its own, its schema's, a column's) holds a line break. */
    LINE_BREAK_IN_NAME,
    /** A firing ON TRUNCATE trigger on a reset table runs code that names a kept table. */
    TRUNCATE_TRIGGER_WRITES_KEPT,
    /** A firing AFTER TRUNCATE trigger runs code that names a reset table: it would refill it. */
    TRUNCATE_TRIGGER_REFILLS_RESET,
    /** The --where selection's closure deletes or updates rows of a table named in --keep. */
    CLOSURE_REACHES_KEPT,
    /** The current user may not DELETE (or UPDATE) rows the --where selection deletes (updates). */
    NO_DELETE_PRIVILEGE
  }
}

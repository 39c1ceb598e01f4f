package io.proddatareset.plan;

import io.proddatareset.catalog.TableName;
import java.util.List;

/**
 * Something the user should know before a reset that does not refuse it.
 *
 * @param code stable identifier for programs
 * @param message what will happen, naming the objects concerned
 * @param tables the reset tables concerned
 */
public record PlanWarning(Code code, String message, List<TableName> tables) {
  public PlanWarning {
    tables = List.copyOf(tables);
  }

  /** Warning codes, as they appear in JSON. */
  public enum Code {
    /** A reset table has an ON TRUNCATE trigger: it fires during the reset. */
    TRUNCATE_TRIGGER,
    /** An ON TRUNCATE trigger's function cannot be read (C, another language): not checked. */
    TRUNCATE_TRIGGER_UNCHECKED,
    /** A materialized view reads a reset table: it keeps old rows until refreshed. */
    MATERIALIZED_VIEW,
    /** A reset table is published: the TRUNCATE is replicated to subscribers. */
    PUBLICATION,
    /** Another session holds or awaits a lock on a reset table: the reset would wait for it. */
    LOCKED_BY_OTHER_SESSION,
    /** Row counts are planner estimates (--estimate). */
    ESTIMATED_ROWS,
    /** The policy resets no table. */
    NOTHING_TO_RESET,
    /** Another reset or restore holds the database now: a reset started now would be refused. */
    ANOTHER_RESET_RUNNING,
    /** A column looks like a reference to deleted rows but has no foreign key: its rows stay. */
    UNDECLARED_REFERENCE,
    /** The --where selection matches no row: the reset would delete nothing. */
    NOTHING_SELECTED,
    /**
     * A trigger fires as a subset reset deletes or updates a table's rows: what it does is not in
     * the backup, and a restore does not undo it.
     */
    ROW_TRIGGER,
    /**
     * A subset reset deletes parent rows of a foreign key whose child columns no index starts with:
     * PostgreSQL scans the child table once per deleted row.
     */
    UNINDEXED_FOREIGN_KEY
  }
}

package io.proddatareset.plan;

import io.proddatareset.catalog.TableName;

/**
 * One table of a plan.
 *
 * @param action reset, keep or unclassified
 * @param reason why, e.g. "named in --keep", "not named in --keep", "migration history"
 * @param rows the row count; -1 when unknown: estimated for a table never analyzed, or not readable
 *     by the current user
 * @param rowsExact true for {@code count(*)}, false for the planner's estimate
 * @param sizeBytes total size on disk (table, partitions, indexes, TOAST)
 */
public record PlannedTable(
    TableName name, Action action, String reason, long rows, boolean rowsExact, long sizeBytes) {}

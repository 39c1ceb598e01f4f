package io.proddatareset.catalog;

/**
 * A lock that another session holds (or waits for) on a table in scope, as {@code pg_locks} showed
 * it when the catalog was read. Locks on partitions are reported on their root table.
 *
 * @param pid the backend holding or awaiting the lock; 0 for a prepared transaction
 * @param mode e.g. {@code RowExclusiveLock}, {@code AccessExclusiveLock}
 * @param granted false when the session is still waiting for it
 * @param user the session's role, or null if not visible to the current user
 * @param application the session's application_name, or null
 * @param state the session's state (active, idle in transaction, ...), or null
 */
public record TableLock(
    TableName table,
    int pid,
    String mode,
    boolean granted,
    String user,
    String application,
    String state) {}

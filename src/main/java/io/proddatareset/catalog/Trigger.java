package io.proddatareset.catalog;

/**
 * A user trigger (internal constraint triggers are not listed).
 *
 * @param onTruncate fires on TRUNCATE
 * @param enabled not disabled (origin or always)
 */
public record Trigger(String name, boolean onTruncate, boolean enabled, String function) {}

package io.proddatareset.catalog;

/**
 * A table column.
 *
 * @param type the formatted type, e.g. {@code bigint}, {@code character varying(20)}
 * @param generated true for a generated (computed) column: never written to backups
 * @param identity "" for none, {@code a} for GENERATED ALWAYS, {@code d} for BY DEFAULT
 * @param defaultExpression the default, or null
 */
public record Column(
    String name,
    String type,
    boolean notNull,
    boolean generated,
    String identity,
    String defaultExpression) {}

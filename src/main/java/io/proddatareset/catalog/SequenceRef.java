package io.proddatareset.catalog;

import io.proddatareset.pg.Identifiers;

/**
 * A sequence that belongs to a table: owned by one of its columns (serial, identity) or used in a
 * column default ({@code nextval('seq')}) without being owned.
 */
public record SequenceRef(String schema, String name, String column, boolean owned) {
  public String sql() {
    return Identifiers.quote(schema) + "." + Identifiers.quote(name);
  }

  public String display() {
    return Identifiers.display(schema) + "." + Identifiers.display(name);
  }
}

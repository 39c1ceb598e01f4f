package io.proddatareset.catalog;

import io.proddatareset.pg.Identifiers;
import java.util.Comparator;

/** A schema-qualified table name exactly as in the catalog (case preserved, unquoted). */
public record TableName(String schema, String name) implements Comparable<TableName> {
  private static final Comparator<TableName> ORDER =
      Comparator.comparing(TableName::schema).thenComparing(TableName::name);

  /** For SQL text: {@code "schema"."name"}, always quoted. */
  public String sql() {
    return Identifiers.quote(schema) + "." + Identifiers.quote(name);
  }

  /** For people, JSON and backups: {@code public.users}, {@code public."Genre"}. */
  public String display() {
    return Identifiers.display(schema) + "." + Identifiers.display(name);
  }

  @Override
  public int compareTo(TableName o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return display();
  }
}

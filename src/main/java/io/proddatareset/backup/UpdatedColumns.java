package io.proddatareset.backup;

import io.proddatareset.catalog.ColumnDefaults;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.Queries;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The columns of an {@code update} entry of a subset backup, as the reset left them, and the SQL
 * that puts back only what the reset changed and the app has not changed since.
 *
 * <p>The reset set a column to NULL ({@code SET NULL} key) or to its default ({@code SET DEFAULT})
 * in the rows that pointed at a deleted row through that key. In a row of the table (alias {@code
 * t}) a column goes back to its value in the block (alias {@code s}) only where the reset changed
 * it (the block's row pointed, through that key, at a row of the backup's deleted rows of the
 * parent) and it still holds what the reset left: a value the app has written since is the app's,
 * and stays; so does a column the reset did not change in that row (it pointed at a kept row).
 * Which keys there are comes from the catalog now; a column that no such key with deleted parent
 * rows in the backup covers any more (the schema changed) counts as changed by the reset wherever
 * the block holds another value than NULL and its default, and as left by the reset where it is
 * NULL or its default.
 */
final class UpdatedColumns {
  /**
   * One column and what the reset left there: NULL ({@code nullable}), its default ({@code
   * defaultValue}, SQL text from the catalog, or null), or either; {@code pointedAtDeleted}, the
   * conditions (one per key) that the block's row pointed at a deleted row through a key of it.
   */
  private record Column(
      String name, boolean nullable, String defaultValue, List<String> pointedAtDeleted) {
    /** The SQL condition that the column of the row {@code alias} holds what the reset left. */
    String left(String alias) {
      String value = alias + "." + quoted();
      String isNull = value + " IS NULL";
      // the default once per statement (an uncorrelated subquery), not once per row
      String isDefault = value + " IS NOT DISTINCT FROM (SELECT " + defaultValue + ")";
      if (defaultValue == null) {
        return isNull;
      }
      return nullable ? "(" + isNull + " OR " + isDefault + ")" : isDefault;
    }

    /** The reset changed it in the block's row. */
    String changedByReset() {
      if (pointedAtDeleted.isEmpty()) {
        return "NOT " + left("s");
      }
      return pointedAtDeleted.stream().collect(Collectors.joining(" OR ", "(", ")"));
    }

    /** The reset changed it in this row, and the app has not changed it since. */
    String putBack() {
      return "(" + changedByReset() + " AND " + left("t") + ")";
    }

    /** The reset changed it in this row, and the app has changed it since. */
    String changedSince() {
      return "(" + changedByReset() + " AND NOT " + left("t") + ")";
    }

    String quoted() {
      return Identifiers.quote(name);
    }
  }

  /** A {@code SET NULL} / {@code SET DEFAULT} key on the table, as the catalog has it now. */
  private record Key(
      List<String> columns, TableName parent, List<String> parentColumns, boolean setDefault) {}

  private final List<Column> columns;

  private UpdatedColumns(List<Column> columns) {
    this.columns = List.copyOf(columns);
  }

  /**
   * The entry's updated columns {@code names} in {@code relation} ({@code table}), from the catalog
   * now.
   *
   * @param deletedRows the temporary table holding the backup's deleted rows of a table, or null
   *     when the backup deleted none of it
   */
  static UpdatedColumns of(
      Connection c,
      TableName table,
      long relation,
      List<String> names,
      Function<TableName, String> deletedRows)
      throws SQLException {
    List<Key> keys =
        Queries.list(
            c,
            "SELECT pn.nspname, pc.relname,"
                + " array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i)"
                + "  JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n"
                + "  ORDER BY u.i),"
                + " array(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i)"
                + "  JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n"
                + "  ORDER BY u.i),"
                + " k.confdeltype = 'd'"
                + " FROM pg_catalog.pg_constraint k"
                + " JOIN pg_catalog.pg_class pc ON pc.oid = k.confrelid"
                + " JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace"
                + " WHERE k.conrelid = ? AND k.contype = 'f' AND k.confdeltype IN ('n', 'd')"
                + " ORDER BY k.conname",
            ps -> ps.setLong(1, relation),
            rs ->
                new Key(
                    List.of((String[]) rs.getArray(3).getArray()),
                    new TableName(rs.getString(1), rs.getString(2)),
                    List.of((String[]) rs.getArray(4).getArray()),
                    rs.getBoolean(5)));
    List<Column> out = new ArrayList<>();
    for (String name : names) {
      List<Key> covering = keys.stream().filter(k -> k.columns().contains(name)).toList();
      boolean setNull = covering.stream().anyMatch(k -> !k.setDefault());
      boolean setDefault = covering.stream().anyMatch(Key::setDefault);
      String def = setNull && !setDefault ? "NULL" : ColumnDefaults.expression(c, table, name);
      List<String> pointed = new ArrayList<>();
      for (Key k : covering) {
        String parentRows = deletedRows.apply(k.parent());
        if (parentRows != null) {
          pointed.add(
              "("
                  + columnList("s.", k.columns())
                  + ") IN (SELECT "
                  + columnList("p.", k.parentColumns())
                  + " FROM "
                  + parentRows
                  + " p)");
        }
      }
      // SET NULL: NULL; SET DEFAULT: the default; neither or both (the keys changed): either
      boolean nullable = !setDefault || setNull;
      out.add(new Column(name, nullable, def.equals("NULL") ? null : def, pointed));
    }
    return new UpdatedColumns(out);
  }

  private static String columnList(String alias, List<String> columns) {
    return columns.stream()
        .map(col -> alias + Identifiers.quote(col))
        .collect(Collectors.joining(", "));
  }

  /**
   * {@code UPDATE ... SET} list: each column back to the block's value where {@link
   * Column#putBack}, else as it is.
   */
  String setList() {
    return columns.stream()
        .map(
            c ->
                c.quoted()
                    + " = CASE WHEN "
                    + c.putBack()
                    + " THEN s."
                    + c.quoted()
                    + " ELSE t."
                    + c.quoted()
                    + " END")
        .collect(Collectors.joining(", "));
  }

  /** The row has a column to put back. */
  String anyToPutBack() {
    return columns.stream().map(Column::putBack).collect(Collectors.joining(" OR ", "(", ")"));
  }

  /**
   * The row has a column the reset changed and the app has changed since (read before the columns
   * are put back): that column stays as the app wrote it.
   */
  String anyChangedSince() {
    return columns.stream().map(Column::changedSince).collect(Collectors.joining(" OR ", "(", ")"));
  }
}

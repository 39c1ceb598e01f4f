package io.proddatareset.backup;

import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.QualifiedName;
import io.proddatareset.pg.SqlNames;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A {@code COPY table (columns) FROM stdin;} line of a backup: where a block of COPY text data
 * goes. Restore never sends the file's text to the server: it builds its own statement from the
 * parsed names with {@link #sql()}.
 *
 * @param columns the column list; empty when the line names none (all columns)
 */
record CopyStatement(TableName table, List<String> columns) {
  public CopyStatement {
    columns = List.copyOf(columns);
  }

  /**
   * {@code COPY (SELECT stored columns FROM [ONLY] table WHERE rowCondition) TO STDOUT}: a table's
   * own rows (not an inheritance child's; a partitioned table's are in its partitions) that hold
   * {@code rowCondition}, SQL text that never holds user input.
   */
  static String copyOut(Table t, String rowCondition) {
    return "COPY (SELECT "
        + storedColumns(t)
        + " FROM "
        + t.sqlOwnRows()
        + " WHERE "
        + rowCondition
        + ") TO STDOUT";
  }

  /**
   * {@code COPY (DELETE FROM [ONLY] table WHERE rowCondition RETURNING stored columns) TO STDOUT}:
   * as {@link #copyOut}, the rows deleted as they are copied, so that what is copied is exactly
   * what is deleted.
   */
  static String deleteOut(Table t, String rowCondition) {
    return "COPY (DELETE FROM "
        + t.sqlOwnRows()
        + " WHERE "
        + rowCondition
        + " RETURNING "
        + storedColumns(t)
        + ") TO STDOUT";
  }

  private static String storedColumns(Table t) {
    return t.storedColumns().stream()
        .map(c -> Identifiers.quote(c.name()))
        .collect(Collectors.joining(", "));
  }

  /** The line as pg_dump writes it: {@code COPY public."Genre" ("GenreId", "Name") FROM stdin;}. */
  String line() {
    return "COPY " + table.display() + columnList(Identifiers::display) + "FROM stdin;";
  }

  /** The statement restore runs: every name quoted. */
  String sql() {
    return "COPY " + table.sql() + columnList(Identifiers::quote) + "FROM STDIN";
  }

  /** The column list between spaces, each name as {@code name} writes it; a space when none. */
  private String columnList(java.util.function.UnaryOperator<String> name) {
    return columns.isEmpty()
        ? " "
        : " (" + columns.stream().map(name).collect(Collectors.joining(", ")) + ") ";
  }

  /**
   * Parses a COPY line; returns null when the line is not a COPY statement at all.
   *
   * @param defaultSchema the schema of an unqualified name (old pg_dump files set search_path)
   * @throws IllegalArgumentException when it is a COPY statement this tool cannot load
   */
  static CopyStatement parse(String line, String defaultSchema) {
    SqlNames p = new SqlNames(line, 0);
    if (!p.keyword("COPY")) {
      return null;
    }
    QualifiedName name = p.qualifiedName();
    List<String> columns = p.peek('(') ? p.columnList() : List.of();
    if (!p.keyword("FROM") || !p.keyword("stdin")) {
      throw new IllegalArgumentException("only COPY ... FROM stdin can be restored");
    }
    p.skipSpaces();
    if (p.peek(';')) {
      p.expect(';');
    }
    if (!p.atEnd()) {
      throw new IllegalArgumentException("COPY options are not supported (text format only)");
    }
    String schema = name.schema() != null ? name.schema() : defaultSchema;
    return new CopyStatement(new TableName(schema, name.name()), columns);
  }
}

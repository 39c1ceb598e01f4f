package io.proddatareset.pg;

/**
 * The one place SQL text is quoted (after pgjdbc's {@code Utils}): identifiers always
 * double-quoted, literals in standard single quotes. Everything else a statement needs from the
 * user travels as a bind parameter.
 */
public final class Identifiers {
  private Identifiers() {}

  /** Always double-quotes, doubling embedded quotes: {@code a"b} becomes {@code "a""b"}. */
  public static String quote(String identifier) {
    if (identifier == null || identifier.isEmpty() || identifier.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("not a valid SQL identifier");
    }
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  /**
   * Quotes only when needed, as pg_dump and psql show names: {@code public.users}, {@code
   * public."Genre"}.
   */
  public static String display(String identifier) {
    boolean plain =
        !identifier.isEmpty()
            && (Character.isLowerCase(identifier.charAt(0)) || identifier.charAt(0) == '_')
            && identifier
                .chars()
                .allMatch(
                    c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$')
            && !RESERVED.contains(identifier);
    return plain ? identifier : quote(identifier);
  }

  /**
   * A string literal for SQL text: {@code it's} becomes {@code 'it''s'}. Backslashes stay as they
   * are, which is right under {@code standard_conforming_strings = on} (the default, and what
   * pg_dump's output and the tool's own sessions run with).
   *
   * @throws IllegalArgumentException for a NUL character, which no PostgreSQL text can hold
   */
  public static String literal(String value) {
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a SQL string literal cannot hold a NUL character");
    }
    return '\'' + value.replace("'", "''") + '\'';
  }

  // reserved key words that pg_dump quotes (quote_ident); enough for names seen in practice
  private static final java.util.Set<String> RESERVED =
      java.util.Set.of(
          "all",
          "analyse",
          "analyze",
          "and",
          "any",
          "array",
          "as",
          "asc",
          "asymmetric",
          "both",
          "case",
          "cast",
          "check",
          "collate",
          "column",
          "constraint",
          "create",
          "current_catalog",
          "current_date",
          "current_role",
          "current_time",
          "current_timestamp",
          "current_user",
          "default",
          "deferrable",
          "desc",
          "distinct",
          "do",
          "else",
          "end",
          "except",
          "false",
          "fetch",
          "for",
          "foreign",
          "from",
          "grant",
          "group",
          "having",
          "in",
          "initially",
          "intersect",
          "into",
          "lateral",
          "leading",
          "limit",
          "localtime",
          "localtimestamp",
          "not",
          "null",
          "offset",
          "on",
          "only",
          "or",
          "order",
          "placing",
          "primary",
          "references",
          "returning",
          "select",
          "session_user",
          "some",
          "symmetric",
          "system_user",
          "table",
          "then",
          "to",
          "trailing",
          "true",
          "union",
          "unique",
          "user",
          "using",
          "variadic",
          "when",
          "where",
          "window",
          "with",
          "authorization",
          "binary",
          "collation",
          "concurrently",
          "cross",
          "current_schema",
          "freeze",
          "full",
          "ilike",
          "inner",
          "is",
          "isnull",
          "join",
          "left",
          "like",
          "natural",
          "notnull",
          "outer",
          "overlaps",
          "right",
          "similar",
          "tablesample",
          "verbose");
}

package io.proddatareset.testing;

import io.proddatareset.demo.SqlScript;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.postgresql.PGConnection;

/** One database of the embedded test server, with helpers to load fixtures and compare contents. */
public record TestDatabase(String name, int port) {
  public static final Path FIXTURES = Path.of("fixtures").toAbsolutePath();

  /** A libpq URI for the superuser, as a user would pass it to the tool. */
  public String url() {
    return "postgres://postgres@localhost:" + port + "/" + name + "?sslmode=disable";
  }

  /** A libpq URI with the password-protected role (scram). */
  public String passwordUrl() {
    return "postgresql://"
        + TestPostgres.PASSWORD_ROLE
        + ":"
        + java.net.URLEncoder.encode(TestPostgres.PASSWORD, java.nio.charset.StandardCharsets.UTF_8)
            .replace("+", "%20")
        + "@localhost:"
        + port
        + "/"
        + name
        + "?sslmode=disable";
  }

  public Connection connect() {
    try {
      return TestPostgres.adminConnection(name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A session of the app, named {@code application}, in the middle of a transaction that ran {@code
   * sql} (and holds what it locked) until the caller commits, rolls back or closes it.
   */
  public Connection holding(String application, String... sql) {
    Connection c = connect();
    try (Statement st = c.createStatement()) {
      st.execute("SET application_name = " + quoteLiteral(application));
      c.setAutoCommit(false);
      for (String s : sql) {
        st.execute(s);
      }
      return c;
    } catch (SQLException e) {
      try {
        c.close();
      } catch (SQLException closing) {
        e.addSuppressed(closing);
      }
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private static String quoteLiteral(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  public void exec(String... sql) {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  public long queryLong(String sql) {
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  public List<String> queryStrings(String sql) {
    List<String> out = new ArrayList<>();
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    return out;
  }

  public long count(String qualifiedTable) {
    return queryLong("SELECT count(*) FROM " + qualifiedTable);
  }

  /** Runs a script file (psql syntax, see {@link SqlScript}) in this database. */
  public void load(Path script, Map<String, String> vars) {
    try (Connection c = connect()) {
      SqlScript.run(c, script, vars);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The PM Agent schema and data at the given scale (projects). */
  public TestDatabase loadPmAgent(int scale) {
    load(FIXTURES.resolve("pm-agent/schema.sql"), Map.of());
    load(FIXTURES.resolve("pm-agent/data.sql"), Map.of("scale", Integer.toString(scale)));
    exec("ANALYZE");
    return this;
  }

  public TestDatabase loadPagila() {
    load(FIXTURES.resolve("real/pagila/pagila-schema.sql"), Map.of());
    load(FIXTURES.resolve("real/pagila/pagila-data.sql"), Map.of());
    return this;
  }

  public TestDatabase loadPagilaSchemaOnly() {
    load(FIXTURES.resolve("real/pagila/pagila-schema.sql"), Map.of());
    return this;
  }

  public TestDatabase loadNorthwind() {
    load(FIXTURES.resolve("real/northwind/northwind.sql"), Map.of());
    return this;
  }

  public TestDatabase loadChinookQuoted() {
    load(FIXTURES.resolve("real/chinook/Chinook_PostgreSql_v1.4_quoted_identifiers.sql"), Map.of());
    return this;
  }

  /**
   * Loads a chinook script that creates and connects to its own database: the script's {@code
   * CREATE DATABASE chinook...} is pointed at this database instead, so tests stay isolated.
   */
  public TestDatabase loadChinookSelfCreating(String file) {
    try {
      String text = java.nio.file.Files.readString(FIXTURES.resolve("real/chinook/" + file));
      text =
          text.replaceAll("(?m)^DROP DATABASE IF EXISTS \\w+;", "")
              .replaceAll("(?m)^CREATE DATABASE \\w+;", "")
              .replaceAll("(?m)^\\\\c \\w+;?", "");
      try (Connection c = connect()) {
        new SqlScript(c, db -> c, Map.of()).execute(text);
      }
    } catch (IOException | SQLException e) {
      throw new IllegalStateException(e);
    }
    return this;
  }

  /**
   * Every user table's content as sorted COPY text lines, keyed by schema-qualified name: equal
   * snapshots mean byte-identical data.
   */
  public Map<String, List<String>> snapshot() {
    Map<String, List<String>> out = new TreeMap<>();
    try (Connection c = connect()) {
      List<String[]> tables = new ArrayList<>();
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                      + " WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema')"
                      + " AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2")) {
        while (rs.next()) {
          tables.add(new String[] {rs.getString(1), rs.getString(2)});
        }
      }
      for (String[] t : tables) {
        String q = quote(t[0]) + "." + quote(t[1]);
        StringWriter w = new StringWriter();
        c.unwrap(PGConnection.class)
            .getCopyAPI()
            .copyOut("COPY (SELECT * FROM " + q + ") TO STDOUT", w);
        List<String> lines = new ArrayList<>(Arrays.asList(w.toString().split("\n", -1)));
        lines.removeIf(String::isEmpty);
        lines.sort(null);
        out.put(t[0] + "." + t[1], lines);
      }
    } catch (SQLException | IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** Every sequence's last_value and is_called, keyed by schema-qualified name. */
  public Map<String, String> sequences() {
    Map<String, String> out = new TreeMap<>();
    for (String row :
        queryStrings(
            "SELECT schemaname || '.' || sequencename || '=' || coalesce(last_value::text, 'null')"
                + " FROM pg_sequences ORDER BY 1")) {
      int eq = row.lastIndexOf('=');
      out.put(row.substring(0, eq), row.substring(eq + 1));
    }
    return out;
  }

  /**
   * The table locks that the tool's sessions ({@code application_name} prod-data-reset) in this
   * database hold or wait for on tables of schema public, as {@code "table mode"} (e.g. {@code
   * "tags RowExclusiveLock"}), each once: locktype {@code relation} only (not a relation's
   * extension lock, which PostgreSQL 13 shows as ExclusiveLock).
   */
  public static java.util.Set<String> toolTableLocks(Connection c) throws SQLException {
    java.util.Set<String> out = new java.util.TreeSet<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT DISTINCT l.relation::regclass::text || ' ' || l.mode FROM pg_locks l"
                    + " JOIN pg_stat_activity a ON a.pid = l.pid"
                    + " WHERE a.application_name = 'prod-data-reset'"
                    + " AND a.datname = current_database() AND l.locktype = 'relation'"
                    + " AND l.relation IN (SELECT oid FROM pg_class WHERE relnamespace"
                    + " = 'public'::regnamespace)")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  public static String quote(String ident) {
    return "\"" + ident.replace("\"", "\"\"") + "\"";
  }
}

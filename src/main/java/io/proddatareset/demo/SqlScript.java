package io.proddatareset.demo;

import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.SqlComments;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;

/**
 * Runs a psql script over JDBC, enough for the fixtures: statements split on semicolons outside
 * quotes, comments and dollar quotes; {@code COPY ... FROM stdin} with inline data; {@code \c DB}
 * (switches connection through {@code connector}); {@code :name} and {@code :'name'} variables;
 * {@code \if :{?var}}/{@code \else}/{@code \endif} as in the PM Agent data script; other
 * meta-commands ({@code \set}, {@code \restrict}) are ignored. Tests need no psql binary.
 */
public final class SqlScript {
  private static final Pattern COPY_FROM_STDIN =
      Pattern.compile("(?is)^\\s*COPY\\s+.*\\bFROM\\s+stdin\\b.*");

  private Connection conn;
  private final Function<String, Connection> connector;
  private final Map<String, String> vars;

  public SqlScript(
      Connection conn, Function<String, Connection> connector, Map<String, String> vars) {
    this.conn = conn;
    this.connector = connector;
    this.vars = vars;
  }

  public static void run(Connection conn, Path file, Map<String, String> vars) {
    try {
      new SqlScript(
              conn,
              db -> {
                throw new IllegalStateException("\\c " + db + " is not allowed here");
              },
              vars)
          .execute(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The connection in use at the end (after any {@code \c}). */
  public Connection connection() {
    return conn;
  }

  public void execute(String text) {
    int i = 0;
    int n = text.length();
    StringBuilder stmt = new StringBuilder();
    int skipDepth = 0; // inside a false \if branch
    while (i < n) {
      // meta-command at the start of a line with no statement in progress
      if (stmt.toString().isBlank()
          && text.charAt(i) == '\\'
          && (i == 0 || text.charAt(i - 1) == '\n')) {
        int eol = text.indexOf('\n', i);
        if (eol < 0) {
          eol = n;
        }
        String meta = text.substring(i, eol).strip();
        i = eol + 1;
        stmt.setLength(0);
        if (meta.startsWith("\\if")) {
          String cond = meta.substring(3).strip();
          boolean truth =
              cond.startsWith(":{?")
                  ? vars.containsKey(cond.substring(3, cond.length() - 1))
                  : Boolean.parseBoolean(cond);
          skipDepth = truth ? 0 : 1;
        } else if (meta.startsWith("\\else")) {
          skipDepth = skipDepth == 1 ? 0 : 1;
        } else if (meta.startsWith("\\endif")) {
          skipDepth = 0;
        } else if (skipDepth == 0 && (meta.startsWith("\\c ") || meta.startsWith("\\connect "))) {
          String db = meta.substring(meta.indexOf(' ') + 1).replace(";", "").strip();
          conn = connector.apply(db);
        }
        continue;
      }
      char c = text.charAt(i);
      if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
        int eol = text.indexOf('\n', i);
        i = eol < 0 ? n : eol + 1;
        stmt.append('\n');
        continue;
      }
      if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
        int end = SqlComments.endOfBlockComment(text, i);
        i = end < 0 ? n : end;
        stmt.append(' ');
        continue;
      }
      if (c == '\'' || c == '"') {
        boolean escapes =
            c == '\'' && i > 0 && (text.charAt(i - 1) == 'E' || text.charAt(i - 1) == 'e');
        int j = i + 1;
        while (j < n) {
          char d = text.charAt(j);
          if (escapes && d == '\\') {
            j += 2;
            continue;
          }
          if (d == c) {
            if (j + 1 < n && text.charAt(j + 1) == c) {
              j += 2;
              continue;
            }
            break;
          }
          j++;
        }
        stmt.append(text, i, Math.min(j + 1, n));
        i = j + 1;
        continue;
      }
      if (c == '$') {
        var m = Pattern.compile("\\$[A-Za-z_]*\\$").matcher(text).region(i, n);
        if (m.lookingAt()) {
          String tag = m.group();
          int end = text.indexOf(tag, i + tag.length());
          end = end < 0 ? n : end + tag.length();
          stmt.append(text, i, end);
          i = end;
          continue;
        }
      }
      if (c == ':'
          && i + 1 < n
          && (Character.isLetter(text.charAt(i + 1)) || text.charAt(i + 1) == '\'')
          && (i == 0 || text.charAt(i - 1) != ':')) {
        var m = Pattern.compile(":'?([A-Za-z_][A-Za-z0-9_]*)'?").matcher(text).region(i, n);
        if (m.lookingAt() && vars.containsKey(m.group(1))) {
          String v = vars.get(m.group(1));
          stmt.append(m.group().startsWith(":'") ? Identifiers.literal(v) : v);
          i = m.end();
          continue;
        }
      }
      if (c == ';') {
        i++;
        String sql = stmt.toString();
        stmt.setLength(0);
        if (skipDepth > 0 || sql.isBlank()) {
          continue;
        }
        if (COPY_FROM_STDIN.matcher(sql).matches()) {
          int eol = text.indexOf('\n', i);
          int dataStart = eol < 0 ? n : eol + 1;
          int end = text.indexOf("\n\\.", dataStart - 1);
          String data = end < 0 ? text.substring(dataStart) : text.substring(dataStart, end + 1);
          copyIn(sql, data);
          int after = end < 0 ? n : text.indexOf('\n', end + 1);
          i = after < 0 ? n : after + 1;
        } else {
          executeStatement(sql);
        }
        continue;
      }
      stmt.append(c);
      i++;
    }
    if (!stmt.toString().isBlank() && skipDepth == 0) {
      executeStatement(stmt.toString());
    }
  }

  private void executeStatement(String sql) {
    try (Statement st = conn.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "fixture statement failed: " + e.getMessage() + "\n" + sql.strip(), e);
    }
  }

  private void copyIn(String sql, String data) {
    try {
      conn.unwrap(PGConnection.class).getCopyAPI().copyIn(sql, new StringReader(data));
    } catch (SQLException | IOException e) {
      throw new IllegalStateException(
          "fixture COPY failed: " + e.getMessage() + "\n" + sql.strip(), e);
    }
  }
}

package io.proddatareset.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Looks up the sessions that hold or wait for locks, from {@code pg_locks} and {@code
 * pg_stat_activity}. Query text could hold secrets: it is only ever kept as {@link #queryStart},
 * its first characters with every literal, number and comment masked. Each lookup is a single read
 * in whatever transaction is open (read-only ones included); it takes no lock, so what it shows may
 * change just after. {@code pg_stat_activity} is read once per transaction: a connection that looks
 * repeatedly should be in auto-commit mode.
 */
public final class LockHolders {
  private LockHolders() {}

  private static final String SESSION_COLUMNS =
      "SELECT a.pid, a.usename, a.application_name, a.state,"
          + " extract(epoch FROM (now() - a.xact_start))::bigint";

  // with what the session runs (or last ran) and since when; masked by queryStart when read
  private static final String SESSION_AND_QUERY_COLUMNS =
      SESSION_COLUMNS + ", extract(epoch FROM (now() - a.query_start))::bigint, a.query";

  /** How many characters of a masked query a description shows. */
  static final int QUERY_START_LENGTH = 60;

  private static final String IN_THIS_DATABASE =
      " l.database = (SELECT oid FROM pg_catalog.pg_database"
          + " WHERE datname = pg_catalog.current_database())";

  private static final String BLOCKING =
      SESSION_AND_QUERY_COLUMNS
          + " FROM pg_catalog.pg_stat_activity a"
          + " WHERE a.pid = ANY (pg_catalog.pg_blocking_pids(?)) ORDER BY a.pid";

  private static final String ADVISORY =
      SESSION_COLUMNS
          + " FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
          + " WHERE l.locktype = 'advisory' AND l.granted AND"
          + IN_THIS_DATABASE
          + " AND l.classid = ? AND l.objid = ? AND l.objsubid = 2"
          + " AND l.pid <> pg_catalog.pg_backend_pid() LIMIT 1";

  private static final String ACCESS_EXCLUSIVE =
      "SELECT l.pid, l.relation::regclass::text FROM pg_catalog.pg_locks l"
          + " WHERE l.locktype = 'relation' AND l.granted"
          + " AND l.mode = 'AccessExclusiveLock' AND"
          + IN_THIS_DATABASE
          + " AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()"
          + " ORDER BY 1, 2";

  // the sessions holding, on the given relations or their partitions and inheritance children,
  // granted locks in one of the given modes; by pid, with the relations each holds
  private static final String HOLDING_RELATIONS =
      "WITH RECURSIVE target(oid) AS ("
          + " SELECT pg_catalog.to_regclass(n)::oid FROM pg_catalog.unnest(?::text[]) n"
          + " UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN target t"
          + " ON i.inhparent = t.oid),"
          + " held AS (SELECT l.pid, pg_catalog.array_agg(DISTINCT"
          + " pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname))"
          + " AS relations"
          + " FROM pg_catalog.pg_locks l JOIN target t ON t.oid = l.relation"
          + " JOIN pg_catalog.pg_class c ON c.oid = l.relation"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE l.locktype = 'relation' AND l.granted AND l.pid IS NOT NULL AND"
          + IN_THIS_DATABASE
          + " AND l.mode = ANY (?::text[]) AND l.pid <> ? AND l.pid <> pg_catalog.pg_backend_pid()"
          + " GROUP BY l.pid) "
          + SESSION_AND_QUERY_COLUMNS
          + ", h.relations FROM held h LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = h.pid"
          + " ORDER BY h.pid";

  /**
   * A session as {@code pg_stat_activity} shows it.
   *
   * @param user its role, or null when not visible to the current user
   * @param application its application_name, or null
   * @param state active, idle in transaction, ...; or null
   * @param transactionSeconds how long its transaction has been open, or null when none is
   * @param querySeconds how long ago its current (or, when idle, last) query started, or null
   * @param queryStart the start of that query as {@link #queryStart} masks it, or null when not
   *     read or not visible to the current user
   */
  public record Session(
      int pid,
      String user,
      String application,
      String state,
      Long transactionSeconds,
      Long querySeconds,
      String queryStart) {

    /** True when it is idle inside an open transaction (and so holds its locks doing nothing). */
    public boolean idleInTransaction() {
      return state != null && state.startsWith("idle in transaction");
    }

    /**
     * e.g. {@code pid 4711 (user app, application 'x', idle in transaction for 12s, last query
     * started 11s ago: "SELECT * FROM entities WHERE id = ?")}.
     */
    public String describe() {
      List<String> details = details();
      return details.isEmpty()
          ? "pid " + pid
          : "pid " + pid + " (" + String.join(", ", details) + ")";
    }

    /**
     * e.g. {@code pid 4711, user app, application 'x', active for 3s}, for inside parentheses:
     * without the query.
     */
    public String describeInline() {
      List<String> parts = new ArrayList<>();
      parts.add("pid " + pid);
      parts.addAll(sessionDetails());
      return String.join(", ", parts);
    }

    private List<String> details() {
      List<String> details = sessionDetails();
      if (queryStart != null) {
        String what = "active".equals(state) ? "query" : "last query";
        details.add(
            what
                + (querySeconds == null ? "" : " started " + querySeconds + "s ago")
                + ": \""
                + queryStart
                + "\"");
      }
      return details;
    }

    private List<String> sessionDetails() {
      List<String> details = new ArrayList<>();
      if (user != null) {
        details.add("user " + user);
      }
      if (application != null && !application.isEmpty()) {
        details.add("application '" + application + "'");
      }
      if (state != null) {
        details.add(state + (transactionSeconds == null ? "" : " for " + transactionSeconds + "s"));
      }
      return details;
    }
  }

  /**
   * A session that holds locks on some of the relations asked about.
   *
   * @param relations the relations it holds, schema-qualified and quoted where needed, sorted
   */
  public record Holder(Session session, List<String> relations) {
    public Holder {
      relations = List.copyOf(relations);
    }

    /** e.g. {@code pid 4711 on public.entities (user app, idle in transaction for 12s, ...)}. */
    public String describe() {
      List<String> details = session.details();
      return "pid "
          + session.pid()
          + " on "
          + String.join(", ", relations)
          + (details.isEmpty() ? "" : " (" + String.join(", ", details) + ")");
    }
  }

  /** A relation lock another session holds: {@code pid 4711 on public.users}. */
  public record RelationLock(int pid, String relation) {
    public String describe() {
      return "pid " + pid + " on " + relation;
    }
  }

  /** The sessions that block the session {@code waitingPid} now ({@code pg_blocking_pids}). */
  public static List<Session> blocking(Connection conn, int waitingPid) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(BLOCKING)) {
      return blocking(ps, waitingPid);
    }
  }

  /**
   * {@link #blocking} with a statement prepared by {@link #prepareBlocking}, for repeated looks.
   */
  static List<Session> blocking(PreparedStatement prepared, int waitingPid) throws SQLException {
    prepared.setInt(1, waitingPid);
    return Queries.list(prepared, LockHolders::session);
  }

  static PreparedStatement prepareBlocking(Connection conn) throws SQLException {
    return conn.prepareStatement(BLOCKING);
  }

  /**
   * The session other than this one holding the transaction-level advisory lock {@code (classid,
   * objid)} (the two-key form) in the current database, if any.
   */
  public static Optional<Session> holdingAdvisory(Connection conn, int classid, int objid)
      throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(ADVISORY)) {
      ps.setInt(1, classid);
      ps.setInt(2, objid);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(session(rs)) : Optional.empty();
      }
    }
  }

  /**
   * The sessions, other than this one and {@code exceptPid}, holding granted locks in one of {@code
   * modes} (as {@code pg_locks} names them, e.g. {@code AccessShareLock}) on the relations {@code
   * tables} (SQL names, quoted as {@link Identifiers#quote} does) or on their partitions and
   * inheritance children, which a {@code LOCK TABLE} of them locks too; by pid. Names that no
   * longer exist are ignored. Prepared transactions (which have no session) are not shown.
   */
  public static List<Holder> holding(
      Connection conn, List<String> tables, List<String> modes, int exceptPid) throws SQLException {
    return Queries.list(
        conn,
        HOLDING_RELATIONS,
        ps -> {
          ps.setArray(1, conn.createArrayOf("text", tables.toArray()));
          ps.setArray(2, conn.createArrayOf("text", modes.toArray()));
          ps.setInt(3, exceptPid);
        },
        rs -> {
          List<String> names = new ArrayList<>(List.of((String[]) rs.getArray(8).getArray()));
          names.sort(null);
          return new Holder(session(rs), names);
        });
  }

  /**
   * The relations of the current database that other sessions hold in {@code ACCESS EXCLUSIVE} mode
   * (what makes a reader wait), by pid and name.
   */
  public static List<RelationLock> holdingAccessExclusive(Connection conn) throws SQLException {
    return Queries.list(
        conn, ACCESS_EXCLUSIVE, ps -> {}, rs -> new RelationLock(rs.getInt(1), rs.getString(2)));
  }

  /** A session from {@link #SESSION_COLUMNS}, with its query when the row has the query columns. */
  private static Session session(ResultSet rs) throws SQLException {
    int pid = rs.getInt(1);
    String user = rs.getString(2);
    String app = rs.getString(3);
    String state = rs.getString(4);
    long seconds = rs.getLong(5);
    Long transactionSeconds = rs.wasNull() ? null : seconds;
    if (rs.getMetaData().getColumnCount() < 7) {
      return new Session(pid, user, app, state, transactionSeconds, null, null);
    }
    long since = rs.getLong(6);
    Long querySeconds = rs.wasNull() ? null : since;
    String query = queryStart(rs.getString(7));
    return new Session(
        pid, user, app, state, transactionSeconds, query == null ? null : querySeconds, query);
  }

  /**
   * The first {@value #QUERY_START_LENGTH} characters of {@code query} (with {@code ...} when there
   * is more) once every string literal ({@code '...'}, {@code E'...'}, {@code $tag$...$tag$}) and
   * every number has become {@code ?}, comments are gone and runs of white space are one space:
   * enough to recognise a statement, never the values in it (a password in {@code ALTER ROLE ...
   * PASSWORD '...'}, a token in a {@code WHERE}). An unterminated literal or comment (the server
   * truncates long queries) is masked to the end. Null for null, empty, or text the current user
   * may not see.
   */
  public static String queryStart(String query) {
    if (query == null || query.isBlank() || query.equals("<insufficient privilege>")) {
      return null;
    }
    StringBuilder out = new StringBuilder();
    int n = query.length();
    int i = 0;
    // a little beyond the length shown: enough to know whether there is more
    while (i < n && out.length() <= QUERY_START_LENGTH) {
      char c = query.charAt(i);
      if (c == '\'') {
        dropLiteralPrefix(out);
        boolean backslashes = escapesWithBackslash(query, i);
        i = endOfQuoted(query, i + 1, backslashes);
        out.append('?');
      } else if (c == '$' && dollarTag(query, i) != null) {
        String tag = dollarTag(query, i);
        int close = query.indexOf(tag, i + tag.length());
        i = close < 0 ? n : close + tag.length();
        out.append('?');
      } else if (c == '-' && query.startsWith("--", i)) {
        int eol = query.indexOf('\n', i);
        i = eol < 0 ? n : eol;
      } else if (c == '/' && query.startsWith("/*", i)) {
        int end = SqlComments.endOfBlockComment(query, i);
        i = end < 0 ? n : end;
        space(out);
      } else if (c == '"') {
        int close = query.indexOf('"', i + 1);
        int end = close < 0 ? n : close + 1;
        out.append(query, i, end);
        i = end;
      } else if (isDigit(c) && !afterIdentifierChar(out)
          || c == '.' && i + 1 < n && isDigit(query.charAt(i + 1)) && !afterIdentifierChar(out)) {
        while (i < n && (isIdentifierChar(query.charAt(i)) || query.charAt(i) == '.')) {
          i++;
        }
        out.append('?');
      } else if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        space(out);
        i++;
      } else {
        out.append(c);
        i++;
      }
    }
    String text = out.toString().strip();
    if (text.isEmpty()) {
      return null;
    }
    return text.length() > QUERY_START_LENGTH || i < n
        ? text.substring(0, Math.min(text.length(), QUERY_START_LENGTH)).stripTrailing() + "..."
        : text;
  }

  private static void space(StringBuilder out) {
    if (out.length() > 0 && out.charAt(out.length() - 1) != ' ') {
      out.append(' ');
    }
  }

  /** E'..', B'..', X'..', N'..', U&'..': the letters before the quote go with the literal. */
  private static void dropLiteralPrefix(StringBuilder out) {
    int end = out.length();
    int k = end;
    if (k >= 2 && out.charAt(k - 1) == '&' && Character.toUpperCase(out.charAt(k - 2)) == 'U') {
      k -= 2;
    } else if (k >= 1 && "EeBbXxNn".indexOf(out.charAt(k - 1)) >= 0) {
      k -= 1;
    }
    if (k < end && (k == 0 || !isIdentifierChar(out.charAt(k - 1)))) {
      out.setLength(k);
    }
  }

  private static boolean escapesWithBackslash(String query, int quote) {
    return quote > 0
        && Character.toUpperCase(query.charAt(quote - 1)) == 'E'
        && (quote < 2 || !isIdentifierChar(query.charAt(quote - 2)));
  }

  /** The index after the closing quote of a literal whose text starts at {@code from}. */
  private static int endOfQuoted(String query, int from, boolean backslashes) {
    int n = query.length();
    int i = from;
    while (i < n) {
      char c = query.charAt(i);
      if (backslashes && c == '\\') {
        i += 2;
      } else if (c == '\'') {
        if (i + 1 < n && query.charAt(i + 1) == '\'') {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return n;
  }

  /** {@code $$} or {@code $tag$} starting at {@code i}, or null ({@code $1} is a parameter). */
  private static String dollarTag(String query, int i) {
    int n = query.length();
    int k = i + 1;
    if (k < n && (Character.isLetter(query.charAt(k)) || query.charAt(k) == '_')) {
      while (k < n && (Character.isLetterOrDigit(query.charAt(k)) || query.charAt(k) == '_')) {
        k++;
      }
    }
    return k < n && query.charAt(k) == '$' ? query.substring(i, k + 1) : null;
  }

  private static boolean afterIdentifierChar(StringBuilder out) {
    return out.length() > 0 && isIdentifierChar(out.charAt(out.length() - 1));
  }

  private static boolean isIdentifierChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}

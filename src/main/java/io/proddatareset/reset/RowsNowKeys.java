package io.proddatareset.reset;

import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.Queries;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * The rows of a reset table now, for the check after a reset: their keys (the primary key, or every
 * column where there is none) read as COPY text under the backup's settings and kept as 16 bytes of
 * SHA-256 each, and the line reader that compares the backup's rows with them.
 */
final class RowsNowKeys {
  private RowsNowKeys() {}

  /**
   * The keys of a table's rows now, as COPY text (the primary key's columns, or every column the
   * backup has where there is no primary key or identities were restarted), each as 16 bytes of its
   * SHA-256 with how many rows have it; and which of them the backup holds.
   */
  static final class RowsNow {
    private final List<String> columns;
    private final boolean byKey;
    private final Map<Key, int[]> counts = new HashMap<>();
    private final Set<Key> inBackup = new HashSet<>();

    private RowsNow(List<String> columns, boolean byKey) {
      this.columns = columns;
      this.byKey = byKey;
    }

    List<String> columns() {
      return columns;
    }

    boolean byKey() {
      return byKey;
    }

    /** The rows now that equal a row in the backup. */
    long preResetRows() {
      long n = 0;
      for (Key k : inBackup) {
        n += counts.get(k)[0];
      }
      return n;
    }

    static RowsNow read(
        Connection c, TableName t, List<String> backupColumns, boolean restartIdentity)
        throws SQLException {
      List<String> present = strings(c, COLUMNS, t);
      List<String> key = strings(c, PRIMARY_KEY, t);
      boolean byKey = !restartIdentity && !key.isEmpty() && backupColumns.containsAll(key);
      List<String> compare =
          byKey ? key : backupColumns.stream().filter(present::contains).toList();
      RowsNow now = new RowsNow(compare, byKey);
      if (compare.isEmpty()) {
        return now;
      }
      String sql =
          "COPY (SELECT "
              + compare.stream().map(Identifiers::quote).collect(Collectors.joining(", "))
              + " FROM "
              + (partitioned(c, t) ? "" : "ONLY ")
              + t.sql()
              + ") TO STDOUT";
      try (OutputStream lines =
          new Lines(
              line ->
                  now.counts.computeIfAbsent(Key.of(line, line.length), k -> new int[1])[0]++)) {
        c.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, lines);
      } catch (IOException e) {
        throw new SQLException("reading the rows of " + t.display() + ": " + e.getMessage(), e);
      }
      return now;
    }

    /** One COPY block of this table from the backup: marks the keys it holds. */
    void scanBackup(List<String> blockColumns, InputStream data) throws IOException {
      int[] at = indexes(blockColumns, columns);
      boolean whole = at.length == blockColumns.size();
      for (int i = 0; whole && i < at.length; i++) {
        whole = at[i] == i;
      }
      boolean wholeLine = whole;
      try (OutputStream lines =
          new Lines(
              line -> {
                Key k = wholeLine ? Key.of(line, line.length) : Key.of(project(line, at));
                if (counts.containsKey(k)) {
                  inBackup.add(k);
                }
              })) {
        data.transferTo(lines);
      }
    }
  }

  /** Where each of {@code columns} is among a block's {@code blockColumns}. */
  static int[] indexes(List<String> blockColumns, List<String> columns) throws IOException {
    int[] at = new int[columns.size()];
    for (int i = 0; i < at.length; i++) {
      at[i] = blockColumns.indexOf(columns.get(i));
      if (at[i] < 0) {
        throw new IOException(
            "a block of the backup lacks the column " + Identifiers.quote(columns.get(i)));
      }
    }
    return at;
  }

  /** The fields {@code at} of a COPY text line (tab-separated), joined by tabs. */
  static byte[] project(byte[] line, int[] at) throws IOException {
    List<int[]> fields = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= line.length; i++) {
      if (i == line.length || line[i] == '\t') {
        fields.add(new int[] {start, i});
        start = i + 1;
      }
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(line.length);
    for (int i = 0; i < at.length; i++) {
      if (at[i] >= fields.size()) {
        throw new IOException("a row of the backup has fewer fields than its columns");
      }
      int[] f = fields.get(at[i]);
      if (i > 0) {
        out.write('\t');
      }
      out.write(line, f[0], f[1] - f[0]);
    }
    return out.toByteArray();
  }

  private static final String COLUMNS =
      "SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = ?::regclass"
          + " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

  private static final String PRIMARY_KEY =
      "SELECT a.attname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a"
          + " ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
          + " WHERE i.indrelid = ?::regclass AND i.indisprimary"
          + " ORDER BY array_position(i.indkey::int2[], a.attnum)";

  private static List<String> strings(Connection c, String sql, TableName t) throws SQLException {
    return Queries.list(c, sql, ps -> ps.setString(1, t.sql()), rs -> rs.getString(1));
  }

  private static boolean partitioned(Connection c, TableName t) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT relkind = 'p' FROM pg_catalog.pg_class WHERE oid = ?::regclass")) {
      ps.setString(1, t.sql());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** 16 bytes of a key's SHA-256: equal keys, equal values; others collide with odds of 2^-128. */
  record Key(long high, long low) {
    static Key of(byte[] bytes) {
      return of(bytes, bytes.length);
    }

    static Key of(byte[] bytes, int length) {
      MessageDigest d;
      try {
        d = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      d.update(bytes, 0, length);
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(d.digest());
      return new Key(b.getLong(), b.getLong());
    }
  }

  /** Receives one COPY text line, without its newline. */
  @FunctionalInterface
  interface LineSink {
    void line(byte[] line) throws IOException;
  }

  /**
   * Cuts COPY text into lines: a row is one line, since COPY's text format escapes a newline,
   * carriage return or tab inside a value ({@code \n}, {@code \r}, {@code \t}).
   */
  static final class Lines extends OutputStream {
    private final LineSink sink;
    private byte[] buf = new byte[256];
    private int len;

    Lines(LineSink sink) {
      this.sink = sink;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int n) throws IOException {
      int end = off + n;
      int start = off;
      for (int i = off; i < end; i++) {
        if (b[i] == '\n') {
          append(b, start, i - start);
          sink.line(java.util.Arrays.copyOf(buf, len));
          len = 0;
          start = i + 1;
        }
      }
      append(b, start, end - start);
    }

    private void append(byte[] b, int off, int n) {
      if (len + n > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
      }
      System.arraycopy(b, off, buf, len, n);
      len += n;
    }

    @Override
    public void close() throws IOException {
      if (len > 0) {
        sink.line(java.util.Arrays.copyOf(buf, len));
        len = 0;
      }
    }
  }
}

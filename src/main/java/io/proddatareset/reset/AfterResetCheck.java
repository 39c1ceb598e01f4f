package io.proddatareset.reset;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.backup.BackupBlocks;
import io.proddatareset.backup.BackupManifest;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.Queries;
import io.proddatareset.pg.SessionSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * The check after a committed reset, with its marks ({@link ResetMarks}): in two steps, so that the
 * read-only transaction is not held open while the backup is read.
 *
 * <ol>
 *   <li>{@link #read}, in the caller's read-only snapshot: each reset table's rows, its storage
 *       compared with the marks, and for a table with rows their keys (primary key, or every column
 *       where there is none) as COPY text under the backup's text settings; each kept table's
 *       fingerprint compared with the one at the commit;
 *   <li>{@link #compare}, afterwards: the backup's blocks of those tables streamed once, each row's
 *       key looked up among the rows now. A row now whose key is in the backup is a row the reset
 *       removed, back.
 * </ol>
 *
 * <p>Memory grows with the rows written since the reset (16 bytes of SHA-256 a row), never with the
 * backup.
 */
final class AfterResetCheck {
  private AfterResetCheck() {}

  /**
   * What the check compares with.
   *
   * @param marks the reset's marks
   * @param restartIdentity the reset restarted identities: new rows reuse removed rows' keys, so
   *     rows are compared by every column
   * @param backup the reset's backup, or null when none was written
   * @param manifest the backup's manifest (null without a backup)
   * @param pointAtBackup what to do when the backup cannot be read, one sentence
   */
  record Against(
      ResetMarks marks,
      boolean restartIdentity,
      Path backup,
      BackupManifest manifest,
      String pointAtBackup) {

    VerifyReport.Since since() {
      return new VerifyReport.Since(marks.committedAt(), marks.xid(), backup);
    }

    BackupManifest.TableEntry entry(TableName t) {
      return manifest.tables().stream()
          .filter(e -> e.schema().equals(t.schema()) && e.table().equals(t.name()))
          .findFirst()
          .orElse(null);
    }
  }

  /** What the snapshot showed, to be compared with the backup. */
  record Seen(List<ResetSeen> reset, List<VerifyReport.Check> kept) {}

  /**
   * One reset table as the snapshot showed it.
   *
   * @param marked the reset's marks name it
   * @param sameStorage its storage is the one the TRUNCATE created; null when empty or not marked
   * @param now its rows' keys, or null when there is nothing to compare them with
   * @param cannotCompare why its rows cannot be compared with the backup, or null
   */
  record ResetSeen(
      TableName table,
      long rows,
      boolean marked,
      Boolean sameStorage,
      RowsNow now,
      String cannotCompare) {}

  /** Step 1, in the caller's read-only transaction (see the class comment). */
  static Seen read(
      Connection c, List<TableName> resetTables, List<TableFingerprint> keptAtCommit, Against a)
      throws SQLException {
    List<ResetSeen> reset = new ArrayList<>();
    boolean pinned = false;
    for (TableFingerprint f : TableFingerprint.take(c, resetTables, TableFingerprint.Mode.COUNT)) {
      ResetMarks.TableMark mark = a.marks().mark(f.table());
      if (f.rows() == 0 || mark == null) {
        reset.add(new ResetSeen(f.table(), f.rows(), mark != null, null, null, null));
        continue;
      }
      boolean same = ResetMarks.storage(c, f.table()).equals(mark.relfilenodes());
      BackupManifest.TableEntry entry = a.backup() == null ? null : a.entry(f.table());
      if (entry == null) {
        reset.add(new ResetSeen(f.table(), f.rows(), true, same, null, null));
        continue;
      }
      if (!pinned) {
        pinTextSettings(c, a.marks());
        pinned = true;
      }
      RowsNow now = RowsNow.read(c, f.table(), entry.columns(), a.restartIdentity());
      reset.add(
          new ResetSeen(
              f.table(),
              f.rows(),
              true,
              same,
              now.columns().isEmpty() ? null : now,
              now.columns().isEmpty()
                  ? f.table().display()
                      + " has "
                      + Counts.of(f.rows(), "row")
                      + " written since the reset committed, and none of the backup's columns"
                      + " exists any more: they cannot be compared with the rows the reset"
                      + " removed"
                  : null));
    }
    return new Seen(reset, kept(c, keptAtCommit));
  }

  /** The text settings the backup's COPY ran under, for the COPY of the rows now. */
  private static void pinTextSettings(Connection c, ResetMarks marks) throws SQLException {
    List<String> settings = new ArrayList<>(List.of(SessionSettings.COPY_TEXT));
    marks
        .textSettings()
        .forEach(
            (name, value) -> {
              settings.add(name);
              settings.add(value);
            });
    settings.addAll(List.of("row_security", "off"));
    SessionSettings.pin(c, settings.toArray(String[]::new));
  }

  /** Kept tables: a fingerprint that differs from the one at the commit changed since. */
  private static List<VerifyReport.Check> kept(Connection c, List<TableFingerprint> atCommit)
      throws SQLException {
    List<VerifyReport.Check> out = new ArrayList<>();
    if (atCommit.isEmpty()) {
      return out;
    }
    Map<TableName, TableFingerprint> now = TableFingerprint.takeAgain(c, atCommit);
    for (TableFingerprint before : atCommit) {
      TableFingerprint after = now.get(before.table());
      boolean changed = before.differenceFrom(after) != null;
      String note =
          !changed
              ? null
              : after.rows() != before.rows()
                  ? "changed since the reset ("
                      + Counts.of(after.rows(), "row")
                      + " now, "
                      + Counts.number(before.rows())
                      + " at commit)"
                  : "changed since the reset (same row count, "
                      + Counts.number(after.rows())
                      + ", other content)";
      out.add(
          new VerifyReport.Check(
              before.table(),
              VerifyReport.Kind.KEPT,
              changed ? VerifyReport.Status.CHANGED_SINCE : VerifyReport.Status.OK,
              after.rows(),
              null,
              null,
              before.rows(),
              null,
              note,
              null));
    }
    return out;
  }

  /** Step 2, after the snapshot: the rows now against the backup's (see the class comment). */
  static VerifyReport compare(Seen seen, String database, Against a) {
    Map<TableName, RowsNow> compared = new LinkedHashMap<>();
    for (ResetSeen r : seen.reset()) {
      if (r.now() != null) {
        compared.put(r.table(), r.now());
      }
    }
    String unreadable = null;
    if (!compared.isEmpty()) {
      try {
        BackupBlocks.read(
            a.backup(),
            a.manifest(),
            (table, columns, data) -> {
              RowsNow now = compared.get(table);
              if (now != null) {
                now.scanBackup(columns, data);
              }
            });
      } catch (IOException e) {
        unreadable = why(e);
      }
    }
    List<VerifyReport.Check> checks = new ArrayList<>();
    for (ResetSeen r : seen.reset()) {
      checks.add(check(r, a, unreadable));
    }
    checks.addAll(seen.kept());
    return new VerifyReport(database, checks, a.since());
  }

  private static VerifyReport.Check check(ResetSeen r, Against a, String unreadable) {
    TableName t = r.table();
    if (r.rows() == 0) {
      return new VerifyReport.Check(
          t,
          VerifyReport.Kind.RESET,
          VerifyReport.Status.OK,
          0,
          r.marked() ? 0L : null,
          null,
          null,
          null,
          null,
          null);
    }
    if (!r.marked()) {
      return new VerifyReport.Check(
          t,
          VerifyReport.Kind.RESET,
          r.rows(),
          t.display() + " has " + Counts.of(r.rows(), "row") + "; it should be empty");
    }
    String written = Counts.of(r.rows(), "row") + " written since the reset committed";
    if (r.cannotCompare() != null) {
      return failed(r, r.cannotCompare());
    }
    if (r.now() != null && unreadable != null) {
      return failed(
          r,
          t.display()
              + " has "
              + written
              + ", and the backup "
              + a.backup()
              + " cannot be read ("
              + unreadable
              + "): they cannot be told apart from the rows the reset removed. "
              + a.pointAtBackup());
    }
    String storage =
        Boolean.TRUE.equals(r.sameStorage())
            ? ""
            : " (its storage changed since the reset: VACUUM FULL, CLUSTER or another TRUNCATE)";
    if (a.backup() == null) {
      return writtenSince(
          r,
          null,
          "reset held; "
              + written
              + storage
              + "; not compared with the rows the reset removed: no backup was written");
    }
    long back = r.now() == null ? 0 : r.now().preResetRows();
    if (back > 0) {
      return new VerifyReport.Check(
          t,
          VerifyReport.Kind.RESET,
          VerifyReport.Status.PRE_RESET_ROW,
          r.rows(),
          r.rows(),
          back,
          null,
          r.sameStorage(),
          null,
          t.display()
              + " has "
              + Counts.of(back, "row")
              + " the reset removed (of "
              + Counts.of(r.rows(), "row")
              + "; "
              + (r.now().byKey()
                  ? "same primary key as in the backup"
                  : "equal in every column to one in the backup")
              + "): pre-reset rows are back");
    }
    return writtenSince(r, 0L, "reset held; " + written + storage);
  }

  /** A reset table holding only rows written since the commit: the reset held. */
  private static VerifyReport.Check writtenSince(ResetSeen r, Long preResetRows, String note) {
    return new VerifyReport.Check(
        r.table(),
        VerifyReport.Kind.RESET,
        VerifyReport.Status.WRITTEN_SINCE,
        r.rows(),
        r.rows(),
        preResetRows,
        null,
        r.sameStorage(),
        note,
        null);
  }

  private static VerifyReport.Check failed(ResetSeen r, String problem) {
    return new VerifyReport.Check(
        r.table(),
        VerifyReport.Kind.RESET,
        VerifyReport.Status.FAILED,
        r.rows(),
        r.rows(),
        null,
        null,
        r.sameStorage(),
        null,
        problem);
  }

  private static String why(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    return ExitException.firstLine(e);
  }

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
      int[] at = new int[columns.size()];
      for (int i = 0; i < at.length; i++) {
        at[i] = blockColumns.indexOf(columns.get(i));
        if (at[i] < 0) {
          throw new IOException(
              "a block of the backup lacks the column " + Identifiers.quote(columns.get(i)));
        }
      }
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

    /** The fields {@code at} of a COPY text line (tab-separated), joined by tabs. */
    private static byte[] project(byte[] line, int[] at) throws IOException {
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

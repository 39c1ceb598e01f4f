package io.proddatareset.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams a data-only backup: this tool's files and plain files written by {@code pg_dump
 * --data-only} (plain, gzip or zstd). It hands each {@code COPY} block's data and each {@code
 * setval} to a {@link Handler} and counts and checksums every block as it goes, so memory stays
 * flat whatever the file's size.
 *
 * <p>Only data statements are accepted. The {@code SET} / {@code set_config} preamble, comments,
 * {@code ALTER TABLE ... DISABLE/ENABLE TRIGGER ALL} and the {@code \restrict} / {@code
 * &#92;unrestrict} lines of current pg_dump releases are skipped; anything else (DDL, INSERTs,
 * large objects, other psql meta-commands) makes the read fail with the line number, before the
 * handler sees it.
 */
public final class BackupReader {
  /** Receives a backup's content in file order. */
  public interface Handler {
    /**
     * One COPY block. {@code data} yields the block's COPY text (without the {@code \.} line) and
     * then ends; the handler may read all, part or none of it, and need not close it.
     */
    void copy(CopyStatement statement, InputStream data) throws IOException, SQLException;

    /** One setval line. */
    void setval(SetvalStatement statement) throws IOException, SQLException;
  }

  /** A handler that only looks: used to count and checksum a file. */
  public static final Handler SCAN =
      new Handler() {
        @Override
        public void copy(CopyStatement statement, InputStream data) {}

        @Override
        public void setval(SetvalStatement statement) {}
      };

  /**
   * What was read.
   *
   * @param producer e.g. {@code prod-data-reset 0.1.0} or {@code pg_dump version 16.4}, null if the
   *     header does not say
   * @param serverVersion the server version the header names, or null
   * @param complete the dump-complete footer was seen (a cut-off file lacks it)
   * @param fileSha256 SHA-256 of the file's bytes as stored (compressed, if it is)
   */
  public record Summary(
      String producer,
      String serverVersion,
      boolean complete,
      List<Block> blocks,
      List<SetvalStatement> setvals,
      String fileSha256,
      long fileBytes) {
    public Summary {
      blocks = List.copyOf(blocks);
      setvals = List.copyOf(setvals);
    }
  }

  /**
   * One COPY block as found in the file.
   *
   * @param rows data lines (one per row in COPY text format)
   * @param sha256 SHA-256 of the block's data bytes
   * @param bytes size of the block's data
   */
  public record Block(CopyStatement statement, long rows, String sha256, long bytes) {}

  private static final Pattern SEARCH_PATH =
      Pattern.compile("(?i)^SET\\s+search_path\\s*(?:=|TO)\\s*([^,;]+)");
  private static final Pattern CLIENT_ENCODING =
      Pattern.compile("(?i)^SET\\s+client_encoding\\s*(?:=|TO)\\s*'?([^';\\s]*)'?");
  private static final Pattern TRIGGER_ALL =
      Pattern.compile("(?i)^ALTER\\s+TABLE\\s+.*\\s(DISABLE|ENABLE)\\s+TRIGGER\\s+ALL\\s*;\\s*$");
  private static final int MAX_STATEMENT_LINE = 16 << 20;

  /**
   * The data goes to the server as UTF-8 (PgJDBC's client encoding). pg_dump writes its file in the
   * database's encoding and says so in {@code SET client_encoding}: a file in another encoding
   * would fail on its first invalid byte, or worse, load wrong characters where its bytes happen to
   * be valid UTF-8. SQL_ASCII means bytes as they are, which is what is sent.
   */
  private void checkEncoding(String statement) throws BackupFormatException {
    Matcher m = CLIENT_ENCODING.matcher(statement);
    if (!m.find()) {
      return;
    }
    String name = m.group(1).replace("-", "").replace("_", "").toUpperCase(Locale.ROOT);
    if (!name.equals("UTF8") && !name.equals("UNICODE") && !name.equals("SQLASCII")) {
      throw new BackupFormatException(
          line,
          "the data is in the "
              + abbreviate(m.group(1))
              + " encoding, and restore sends UTF-8: dump it again with pg_dump --encoding=UTF8,"
              + " or convert the file to UTF-8 (iconv) and change that line");
    }
  }

  private final InputStream in;
  private final byte[] buf = new byte[1 << 18];
  private int pos;
  private int limit;
  private boolean eof;
  private long line;

  private BackupReader(InputStream in) {
    this.in = in;
  }

  /**
   * Reads the whole file. {@code raw} is the file's bytes as stored; it is read to its end but not
   * closed.
   *
   * @throws BackupFormatException for a statement this tool does not restore, a damaged compressed
   *     stream or a file cut off inside a COPY block
   */
  public static Summary read(InputStream raw, Handler handler) throws IOException, SQLException {
    HashingInputStream hashed = new HashingInputStream(raw);
    InputStream decompressed;
    try {
      decompressed = Compression.decompress(hashed);
    } catch (java.util.zip.ZipException e) {
      throw BackupFormatException.damaged(0, "damaged gzip data: " + e.getMessage());
    }
    BackupReader reader = new BackupReader(new DecompressorFailures(decompressed, hashed));
    Summary partial;
    try {
      partial = reader.readAll(handler);
    } catch (DecompressorFailures.Failed e) {
      String why = e.getMessage();
      throw BackupFormatException.damaged(
          reader.line,
          why.startsWith("damaged") ? why : "damaged or cut-off compressed data: " + why);
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      throw BackupFormatException.damaged(
          reader.line, "damaged or cut-off compressed data: " + e.getMessage());
    } catch (RuntimeException e) {
      // aircompressor reports corrupt zstd frames as unchecked exceptions
      if (e.getClass().getName().startsWith("io.airlift.compress")) {
        throw BackupFormatException.damaged(reader.line, "damaged zstd data: " + e.getMessage());
      }
      throw e;
    }
    // a gzip reader may stop at the end of the last member without reading padding after it
    hashed.transferTo(OutputStreamSink.INSTANCE);
    return new Summary(
        partial.producer(),
        partial.serverVersion(),
        partial.complete(),
        partial.blocks(),
        partial.setvals(),
        hashed.hex(),
        hashed.count());
  }

  private Summary readAll(Handler handler) throws IOException, SQLException {
    String producer = null;
    String serverVersion = null;
    boolean complete = false;
    String defaultSchema = "public";
    List<Block> blocks = new ArrayList<>();
    List<SetvalStatement> setvals = new ArrayList<>();
    String text;
    while ((text = readLine()) != null) {
      String s = text.strip();
      if (s.isEmpty()) {
        continue;
      }
      if (s.startsWith("--")) {
        if (s.startsWith("-- Dumped by ")) {
          producer = s.substring("-- Dumped by ".length()).strip();
        } else if (s.startsWith("-- Dumped from database version ")) {
          serverVersion = s.substring("-- Dumped from database version ".length()).strip();
        } else if (s.equals(BackupFormat.COMPLETE)) {
          complete = true;
        }
        continue;
      }
      if (s.startsWith("\\")) {
        if (s.startsWith("\\restrict ") || s.startsWith("\\unrestrict ")) {
          continue;
        }
        throw new BackupFormatException(
            line, "psql meta-command not supported in a data backup: " + abbreviate(s));
      }
      complete = false;
      String upper = s.toUpperCase(Locale.ROOT);
      if (upper.startsWith("SET ")) {
        checkEncoding(s);
        Matcher m = SEARCH_PATH.matcher(s);
        if (m.find()) {
          String first = m.group(1).strip();
          if (!first.isEmpty() && !first.equals("''")) {
            defaultSchema = new SqlNames(first, 0).identifier();
          }
        }
        continue;
      }
      if (upper.startsWith("SELECT PG_CATALOG.SET_CONFIG(")) {
        continue;
      }
      if (TRIGGER_ALL.matcher(s).matches()) {
        continue;
      }
      SetvalStatement setval = SetvalStatement.parse(s);
      if (setval != null) {
        setvals.add(setval);
        handler.setval(setval);
        continue;
      }
      CopyStatement copy;
      try {
        copy = CopyStatement.parse(s, defaultSchema);
      } catch (IllegalArgumentException e) {
        throw new BackupFormatException(line, e.getMessage() + ": " + abbreviate(s));
      }
      if (copy == null) {
        throw new BackupFormatException(line, notData(s));
      }
      BlockData data = new BlockData(copy);
      handler.copy(copy, data);
      data.drain();
      blocks.add(new Block(copy, data.rows, Sha256.hex(data.digest), data.bytes));
    }
    return new Summary(producer, serverVersion, complete, blocks, setvals, null, 0);
  }

  /** Why a statement is refused, with what to do for the files people most often try. */
  private String notData(String statement) {
    if (line == 1 && statement.startsWith("PGDMP")) {
      return "this is a pg_dump archive in the custom format (pg_dump -Fc), not a plain SQL file:"
          + " turn its data into one with pg_restore --data-only -f FILE.sql, and restore"
          + " FILE.sql";
    }
    String upper = statement.toUpperCase(Locale.ROOT);
    String hint =
        upper.startsWith("CREATE ") || upper.startsWith("ALTER ") || upper.startsWith("COMMENT ")
            ? " (the file holds the schema too: dump with pg_dump --data-only, or create the"
                + " schema first and restore a data-only dump)"
            : "";
    return "not a data statement (only COPY blocks and setval are restored)"
        + hint
        + ": "
        + abbreviate(statement);
  }

  /** The start of a line for a message: at most 80 characters, control characters as '?'. */
  static String abbreviate(String s) {
    String shown = s.length() > 80 ? s.substring(0, 77) + "..." : s;
    StringBuilder out = new StringBuilder(shown.length());
    shown.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return out.toString();
  }

  /** Fills the buffer after moving unread bytes to its start; false at end of input. */
  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, limit - pos);
      limit -= pos;
      pos = 0;
    }
    if (limit == buf.length) {
      return true;
    }
    int n = in.read(buf, limit, buf.length - limit);
    if (n < 0) {
      eof = true;
      return false;
    }
    limit += n;
    return true;
  }

  /** Makes at least {@code n} bytes available unless the input ends first. */
  private void require(int n) throws IOException {
    while (limit - pos < n && fill()) {
      // keep filling
    }
  }

  /** A statement-mode line without its end of line; null at end of input. */
  private String readLine() throws IOException {
    java.io.ByteArrayOutputStream longLine = null;
    while (true) {
      if (pos == limit && !fill()) {
        if (longLine == null) {
          return null;
        }
        line++;
        return decode(longLine.toByteArray(), longLine.size());
      }
      for (int i = pos; i < limit; i++) {
        if (buf[i] == '\n') {
          line++;
          String s;
          if (longLine == null) {
            s = decode(buf, pos, i - pos);
          } else {
            longLine.write(buf, pos, i - pos);
            s = decode(longLine.toByteArray(), longLine.size());
          }
          pos = i + 1;
          return s;
        }
      }
      if (longLine == null) {
        longLine = new java.io.ByteArrayOutputStream();
      }
      longLine.write(buf, pos, limit - pos);
      pos = limit;
      if (longLine.size() > MAX_STATEMENT_LINE) {
        throw new BackupFormatException(line + 1, "a statement line longer than 16 MB");
      }
    }
  }

  private static String decode(byte[] b, int len) {
    return decode(b, 0, len);
  }

  private static String decode(byte[] b, int off, int len) {
    if (len > 0 && b[off + len - 1] == '\r') {
      len--;
    }
    return new String(b, off, len, StandardCharsets.UTF_8);
  }

  /** The data of one COPY block, ending before its {@code \.} line. */
  private final class BlockData extends InputStream {
    private final CopyStatement statement;
    private final MessageDigest digest = Sha256.digest();
    private boolean atLineStart = true;
    private boolean ended;
    private long rows;
    private long bytes;
    private int chunkStart;

    BlockData(CopyStatement statement) {
      this.statement = statement;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = advance(len);
      if (n > 0) {
        System.arraycopy(buf, chunkStart, b, off, n);
      }
      return n;
    }

    /** Reads the rest of the block, counting and hashing it without copying it anywhere. */
    void drain() throws IOException {
      while (advance(Integer.MAX_VALUE) >= 0) {
        // counted and hashed by advance
      }
    }

    /**
     * Moves past up to {@code len} bytes of the block's data, counting and hashing them; they are
     * at {@code chunkStart} in the buffer. Returns how many, or -1 at the end of the block.
     */
    private int advance(int len) throws IOException {
      if (ended) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      if (pos == limit && !fill()) {
        throw cutOff();
      }
      if (atLineStart && buf[pos] == '\\') {
        require(4);
        if (limit - pos >= 2 && buf[pos + 1] == '.') {
          int after = pos + 2;
          if (after == limit || buf[after] == '\n') {
            end(after == limit ? after : after + 1);
            return -1;
          }
          if (buf[after] == '\r' && (after + 1 == limit || buf[after + 1] == '\n')) {
            end(after + 1 == limit ? after + 1 : after + 2);
            return -1;
          }
          throw BackupFormatException.damaged(line + 1, "damaged end-of-data marker");
        }
      }
      // hand over whole lines, stopping before a line that might be the end marker; only the
      // byte after each line break needs a look, and words without a line break followed by a
      // backslash are counted eight bytes at a time
      int stop = len >= limit - pos ? limit : pos + len;
      int i = pos;
      int lastSafe = stop;
      boolean lastSafeLineStart = false;
      long newLines = 0;
      byte[] b0 = buf;
      scan:
      while (i < stop) {
        if (i + 9 <= stop) {
          long breaks = LineScan.newlines(LineScan.word(b0, i));
          if (breaks == 0) {
            i += 8;
            continue;
          }
          if ((breaks & LineScan.backslashes(LineScan.word(b0, i + 1))) == 0) {
            newLines += Long.bitCount(breaks);
            i += 8;
            continue;
          }
        }
        int wordEnd = Math.min(stop, i + 8);
        while (i < wordEnd) {
          if (b0[i++] != '\n') {
            continue;
          }
          newLines++;
          if (i == stop) {
            lastSafeLineStart = true;
            break scan;
          }
          if (b0[i] == '\\' && (i + 1 >= limit || b0[i + 1] == '.')) {
            // decided at the next call, with the candidate marker at the buffer's start
            lastSafe = i;
            lastSafeLineStart = true;
            break scan;
          }
        }
      }
      if (i == stop && lastSafe == stop) {
        lastSafeLineStart = b0[stop - 1] == '\n';
      }
      // at least one byte: the scan never stops at its first position
      int n = lastSafe - pos;
      digest.update(buf, pos, n);
      chunkStart = pos;
      pos = lastSafe;
      atLineStart = lastSafeLineStart;
      rows += newLines;
      line += newLines;
      bytes += n;
      return n;
    }

    private void end(int newPos) {
      pos = newPos;
      line++;
      ended = true;
    }

    private BackupFormatException cutOff() {
      return BackupFormatException.damaged(
          line,
          "the file ends inside the data of "
              + statement.table().display()
              + " (no end-of-data marker): it is cut off or damaged");
    }

    @Override
    public void close() {
      // the reader drains the rest itself
    }
  }

  /**
   * Tells a failure of the decompressor (a damaged or cut-off stream, which aircompressor reports
   * as a plain {@link IOException}) from a failure to read the file (a disk error): the first is
   * damage, the second is not.
   */
  private static final class DecompressorFailures extends java.io.FilterInputStream {
    /** The decompressor failed on bytes that were read without error. */
    static final class Failed extends IOException {
      Failed(IOException cause) {
        super(io.proddatareset.ExitException.firstLine(cause), cause);
      }
    }

    private final HashingInputStream raw;

    DecompressorFailures(InputStream decompressed, HashingInputStream raw) {
      super(decompressed);
      this.raw = raw;
    }

    @Override
    public int read() throws IOException {
      try {
        return in.read();
      } catch (IOException e) {
        throw classify(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (IOException e) {
        throw classify(e);
      }
    }

    private IOException classify(IOException e) {
      if (e instanceof BackupFormatException
          || e instanceof java.io.InterruptedIOException
          || raw.failed) {
        return e;
      }
      return new Failed(e);
    }
  }

  /** Counts and hashes the stored bytes under the decompressor. */
  private static final class HashingInputStream extends java.io.FilterInputStream {
    private final MessageDigest digest = Sha256.digest();
    private long count;

    /** Reading the stored bytes failed (not the decompressing of them). */
    boolean failed;

    HashingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b;
      try {
        b = in.read();
      } catch (IOException e) {
        failed = true;
        throw e;
      }
      if (b >= 0) {
        digest.update((byte) b);
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n;
      try {
        n = in.read(b, off, len);
      } catch (IOException e) {
        failed = true;
        throw e;
      }
      if (n > 0) {
        digest.update(b, off, n);
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      // skipping would leave bytes out of the checksum
      byte[] tmp = new byte[(int) Math.min(n, 8192)];
      int r = read(tmp, 0, tmp.length);
      return Math.max(r, 0);
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    long count() {
      return count;
    }

    String hex() {
      return Sha256.hex(digest);
    }
  }

  /** Discards bytes. */
  private static final class OutputStreamSink extends java.io.OutputStream {
    static final OutputStreamSink INSTANCE = new OutputStreamSink();

    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  }
}

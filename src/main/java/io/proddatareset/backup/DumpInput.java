package io.proddatareset.backup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A backup's decompressed text, read through one buffer: statement lines one at a time ({@link
 * #readLine}) and the data of a COPY block up to its {@code \.} line ({@link #block}), which is
 * counted and hashed as it is handed over, without copying it to another buffer. Counts lines for
 * the messages.
 */
final class DumpInput {
  private static final int MAX_STATEMENT_LINE = 16 << 20;

  private final InputStream in;
  private final byte[] buf = new byte[1 << 18];
  private int pos;
  private int limit;
  private boolean eof;
  private long line;

  DumpInput(InputStream in) {
    this.in = in;
  }

  /** The number of the line read last. */
  long line() {
    return line;
  }

  /** The data of the COPY block that starts at the next line. */
  BlockData block(CopyStatement statement) {
    return new BlockData(statement, null);
  }

  /**
   * The data of the COPY block that starts at the next line, also hashed into {@code alsoInto}: a
   * further block of a table whose data comes in several, whose checksum covers all of them.
   */
  BlockData block(CopyStatement statement, MessageDigest alsoInto) {
    return new BlockData(statement, alsoInto);
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
  String readLine() throws IOException {
    ByteArrayOutputStream longLine = null;
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
        longLine = new ByteArrayOutputStream();
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
  final class BlockData extends BulkStreams.Input {
    private final CopyStatement statement;
    private final MessageDigest digest = Sha256.digest();
    private final MessageDigest alsoInto;
    private boolean atLineStart = true;
    private boolean ended;
    private long rows;
    private long bytes;
    private int chunkStart;

    private BlockData(CopyStatement statement, MessageDigest alsoInto) {
      this.statement = statement;
      this.alsoInto = alsoInto;
    }

    /**
     * A copy of the block's digest as it stands, which the data of the table's further blocks can
     * be added to; call before {@link #block}, which completes the digest.
     */
    MessageDigest digestSoFar() {
      try {
        return (MessageDigest) digest.clone();
      } catch (CloneNotSupportedException e) {
        throw new IllegalStateException("the SHA-256 digest cannot be copied", e);
      }
    }

    /** The block as read so far: all of it once the data has ended. */
    BackupReader.Block block() {
      return new BackupReader.Block(statement, rows, Sha256.hex(digest), bytes);
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
      if (alsoInto != null) {
        alsoInto.update(buf, pos, n);
      }
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
}

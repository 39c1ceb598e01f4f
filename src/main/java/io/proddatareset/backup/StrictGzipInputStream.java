package io.proddatareset.backup;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * Reads a gzip stream of one or more members and fails on anything that is not a whole, intact
 * member. {@link java.util.zip.GZIPInputStream} silently stops at a damaged member header and
 * ignores what follows, which would turn a damaged backup into a shorter one.
 */
final class StrictGzipInputStream extends BulkStreams.Input {
  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;

  private final InputStream in;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int len;
  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private long memberSize;
  private boolean inMember;
  private boolean eof;

  StrictGzipInputStream(InputStream in) {
    this.in = in;
  }

  @Override
  public int read(byte[] b, int off, int n) throws IOException {
    if (n == 0) {
      return 0;
    }
    while (true) {
      if (eof) {
        return -1;
      }
      if (!inMember) {
        if (pos == len && !fill()) {
          eof = true;
          return -1;
        }
        startMember();
      }
      if (inflater.needsInput()) {
        if (pos == len && !fill()) {
          throw new EOFException("the gzip data ends inside a member");
        }
        inflater.setInput(buf, pos, len - pos);
        pos = len;
      }
      int got;
      try {
        got = inflater.inflate(b, off, n);
      } catch (DataFormatException e) {
        throw new ZipException("damaged gzip data: " + e.getMessage());
      }
      if (got > 0) {
        crc.update(b, off, got);
        memberSize += got;
        return got;
      }
      if (inflater.finished()) {
        pos = len - inflater.getRemaining();
        endMember();
      } else if (inflater.needsDictionary()) {
        throw new ZipException("damaged gzip data: a dictionary is required");
      }
    }
  }

  private boolean fill() throws IOException {
    int n = in.read(buf, 0, buf.length);
    if (n <= 0) {
      return false;
    }
    pos = 0;
    len = n;
    return true;
  }

  private int next() throws IOException {
    if (pos == len && !fill()) {
      throw new EOFException("the gzip data ends inside a member header or trailer");
    }
    return buf[pos++] & 0xff;
  }

  private void startMember() throws IOException {
    if (next() != 0x1f || next() != 0x8b || next() != 8) {
      throw new ZipException("damaged gzip data: not a gzip member header");
    }
    int flags = next();
    for (int i = 0; i < 6; i++) {
      next(); // mtime, extra flags, OS
    }
    if ((flags & FEXTRA) != 0) {
      int xlen = next() | next() << 8;
      for (int i = 0; i < xlen; i++) {
        next();
      }
    }
    if ((flags & FNAME) != 0) {
      while (next() != 0) {
        // skip the name
      }
    }
    if ((flags & FCOMMENT) != 0) {
      while (next() != 0) {
        // skip the comment
      }
    }
    if ((flags & FHCRC) != 0) {
      next();
      next();
    }
    inflater.reset();
    crc.reset();
    memberSize = 0;
    inMember = true;
  }

  private void endMember() throws IOException {
    long expectedCrc = 0;
    for (int i = 0; i < 4; i++) {
      expectedCrc |= (long) next() << (8 * i);
    }
    long expectedSize = 0;
    for (int i = 0; i < 4; i++) {
      expectedSize |= (long) next() << (8 * i);
    }
    if (expectedCrc != crc.getValue() || expectedSize != (memberSize & 0xffffffffL)) {
      throw new ZipException("damaged gzip data: checksum mismatch");
    }
    inMember = false;
  }

  @Override
  public void close() throws IOException {
    inflater.end();
    in.close();
  }
}

package io.proddatareset.backup;

import java.io.IOException;

/**
 * The file is not a data-only backup this tool can read, or it is damaged (with the line). {@link
 * #damaged()} tells the two apart: a damaged or cut-off file fails a check on the backup (exit 3),
 * content this tool does not restore is bad input (exit 2).
 */
final class BackupFormatException extends IOException {
  private final long line;
  private final boolean damaged;

  /** Content this tool does not restore (DDL, an archive format, another encoding, ...). */
  BackupFormatException(long line, String message) {
    this(line, message, false);
  }

  private BackupFormatException(long line, String message, boolean damaged) {
    super(line > 0 ? "line " + line + ": " + message : message);
    this.line = line;
    this.damaged = damaged;
  }

  /** The file is damaged or cut off: a compressed stream that fails, a block without its end. */
  static BackupFormatException damaged(long line, String message) {
    return new BackupFormatException(line, message, true);
  }

  long line() {
    return line;
  }

  /** True when the file is damaged or cut off, rather than of a kind this tool does not load. */
  boolean damaged() {
    return damaged;
  }
}

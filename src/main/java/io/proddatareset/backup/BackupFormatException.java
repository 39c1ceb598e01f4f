package io.proddatareset.backup;

import java.io.IOException;

/** The file is not a data-only backup this tool can read, or it is damaged (with the line). */
public class BackupFormatException extends IOException {
  private final long line;

  public BackupFormatException(long line, String message) {
    super(line > 0 ? "line " + line + ": " + message : message);
    this.line = line;
  }

  public long line() {
    return line;
  }
}

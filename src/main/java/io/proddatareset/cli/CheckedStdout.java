package io.proddatareset.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * stdout for a backup's bytes. A {@link PrintStream} swallows write errors (a closed pipe): this
 * turns them into an {@link IOException}, so that a backup cut off by its reader fails.
 */
final class CheckedStdout extends OutputStream {
  private final PrintStream out;

  CheckedStdout(PrintStream out) {
    this.out = out;
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    check();
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    check();
  }

  @Override
  public void flush() throws IOException {
    out.flush();
    check();
  }

  private void check() throws IOException {
    if (out.checkError()) {
      throw new IOException("cannot write to stdout (was the pipe closed?)");
    }
  }
}

package io.proddatareset.cli;

import java.util.concurrent.Callable;

/** A command that writes to the tool's {@link Io}, which {@link Main}'s factory hands it. */
abstract class IoCommand implements Callable<Integer> {
  /** Where the command reads and writes: the process's streams, or a test's. */
  protected Io io;

  final void setIo(Io io) {
    this.io = io;
  }
}

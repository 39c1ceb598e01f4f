package io.proddatareset.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * A command that writes to the tool's {@link Io}, which {@link Main}'s factory hands it. Every
 * command's help lists its options in the order they are declared, with {@code --help} and {@code
 * --version}, as wide as the terminal.
 */
@Command(mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true)
abstract class IoCommand implements Callable<Integer> {
  /** Where the command reads and writes: the process's streams, or a test's. */
  protected Io io;

  final void setIo(Io io) {
    this.io = io;
  }
}

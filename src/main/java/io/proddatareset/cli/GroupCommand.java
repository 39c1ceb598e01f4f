package io.proddatareset.cli;

import io.proddatareset.ExitException;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that only groups its subcommands ({@code policy}, {@code skill}): alone, usage. */
abstract class GroupCommand extends IoCommand {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    String name = spec.name();
    throw ExitException.usage(
        "Give a "
            + name
            + " command: "
            + spec.subcommands().keySet().stream()
                .map(sub -> name + " " + sub)
                .collect(Collectors.joining(", "))
            + " (see "
            + name
            + " --help).");
  }
}

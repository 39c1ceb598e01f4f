package io.proddatareset.cli;

import picocli.CommandLine.Option;

/**
 * {@code --json}: print the result for programs instead of people. The one declaration behind the
 * {@code --json} of plan, the top-level dry-run, verify, backup and restore; each command's help
 * text is its own, in {@code help.properties} under the command's name.
 */
class JsonOption {
  @Option(names = "--json", descriptionKey = "json", description = "Print the result as JSON.")
  boolean json;
}

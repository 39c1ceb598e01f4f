package io.proddatareset.cli;

import picocli.CommandLine.Parameters;

/**
 * The database URL as the first argument, the seed's {@code prod-data-reset "$DATABASE_URL"}; it
 * stands for {@code --url} ({@link TargetOptions#resolve}). Each command's help text is its own, in
 * {@code help.properties} under the command's name.
 */
class UrlArgument {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "URL",
      descriptionKey = "url-argument",
      description = "Database URL; same as --url.")
  String url;
}

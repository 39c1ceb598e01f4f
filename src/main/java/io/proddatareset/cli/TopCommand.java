package io.proddatareset.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code prod-data-reset}: with no command it is a dry-run ({@code plan}); the seed's form {@code
 * prod-data-reset "$DATABASE_URL" --backup FILE} runs {@code reset}.
 */
@Command(
    name = "prod-data-reset",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Reset data in a production PostgreSQL database safely: dry-run first, a verified backup of"
          + " exactly what is removed, a typed confirmation naming the target, one atomic TRUNCATE"
          + " that never touches kept tables, verification, and restore.",
      "",
      "With no command it only reads (plan)."
    },
    subcommands = {BackupCommand.class, RestoreCommand.class})
public class TopCommand implements Callable<Integer>, Main.UsesIo {
  @Spec CommandSpec spec;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Show stack traces and details of failures.")
  boolean verbose;

  private Io io;

  @Override
  public void setIo(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(io.out());
    return 0;
  }
}

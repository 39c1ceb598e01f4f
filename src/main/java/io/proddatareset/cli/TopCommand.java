package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.connect.ConnectionTarget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code prod-data-reset}: with no command it is a dry-run ({@code plan}), so the seed's {@code
 * prod-data-reset "$DATABASE_URL"} keeps working; the seed's {@code --backup FILE} form (added by
 * the reset command) turns it into a reset.
 */
@Command(
    name = "prod-data-reset",
    versionProvider = VersionProvider.class,
    resourceBundle = "io.proddatareset.cli.help",
    description = {
      "Reset data in a production PostgreSQL database safely: dry-run first, a verified backup of"
          + " exactly what is removed, a typed confirmation naming the target, one atomic TRUNCATE"
          + " that never touches kept tables, verification, and restore.",
      "",
      "With no command it only reads: it runs plan with the options below."
    },
    subcommands = {
      PlanCommand.class,
      BackupCommand.class,
      ResetCommand.class,
      VerifyCommand.class,
      RestoreCommand.class,
      SchemaCommand.class,
      PolicyCommand.class,
      SkillCommand.class,
      McpCommand.class,
      DemoCommand.class
    })
public class TopCommand extends IoCommand {
  @Spec CommandSpec spec;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Show stack traces and details of failures.")
  boolean verbose;

  @Mixin TargetAndPolicy in;

  @Mixin JsonOption json;

  /** The seed's {@code --backup FILE} form: given, the top-level command runs reset. */
  @Mixin ResetSwitches reset;

  @Override
  public Integer call() {
    String url = in.url.url;
    if (url != null && !looksLikeTarget(url)) {
      throw ExitException.usage(
          "Unknown command '"
              + url
              + "': the commands are "
              + String.join(", ", spec.subcommands().keySet())
              + "; a database URL starts with postgres:// (see --help).");
    }
    if (reset.requested()) {
      if (json.json) {
        throw ExitException.usage("--json is for the dry-run; a reset prints text.");
      }
      ConnectionTarget t = in.resolve(io);
      return ResetCommand.run(
          io, t, in.target.render(), in.target.sameTarget(), in.policy, null, reset);
    }
    ConnectionTarget t = in.resolve(io);
    return PlanCommand.show(
        io,
        t,
        in.target.render(),
        in.policy.policy(),
        in.policy.estimate(),
        json.json,
        reset.auditLog.file);
  }

  private static boolean looksLikeTarget(String text) {
    return text.contains("://") || text.contains("=");
  }
}

package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.Program;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.PolicyDraft;
import io.proddatareset.plan.PolicyFile;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.skill.InstalledTool;
import io.proddatareset.skill.SkillInstall;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code skill}: the agent skill that drives the tool. Its one subcommand: {@code install}. */
@Command(
    name = "skill",
    description = "The agent skill that drives this tool (Claude Code's .claude/skills format).",
    subcommands = {SkillCommand.Install.class})
public class SkillCommand extends GroupCommand {

  /** {@code skill install}: writes the skill into an app's repository. */
  @Command(
      name = "install",
      description = {
        "Write the agent skill into an app's repository: SKILL.md, references/schema-tables.md"
            + " and, with --policy or a target, policy.yaml. Its commands run this installed tool:"
            + " prod-data-reset when the launcher was found on the PATH, else the launcher's"
            + " absolute path.",
        "With a target (a URL, --url or --render-postgres; DATABASE_URL alone does not count), the"
            + " schema reference and the policy (as policy init writes it, from --keep, --reset or"
            + " --policy) come from that database; without one, the reference is the PM Agent"
            + " schema's and --policy FILE is copied. Files changed since the last install are"
            + " not replaced without --force."
      })
  public static class Install extends IoCommand {
    static final Path DEFAULT_DIR = Path.of(".claude", "skills", "prod-data-reset");

    @Mixin TargetAndPolicy in;

    @Option(
        names = "--dir",
        paramLabel = "DIR",
        description = "Where to write the skill. Default: .claude/skills/prod-data-reset.")
    Path dir = DEFAULT_DIR;

    @Option(
        names = "--force",
        description =
            "Replace files that were changed since the last install (or not written by it).")
    boolean force;

    @Override
    public Integer call() {
      Path cwd = Path.of("").toAbsolutePath();
      String command = InstalledTool.command(io.env(), cwd);
      Path target = cwd.resolve(dir).normalize();
      Path policy = target.resolve(SkillInstall.POLICY);
      String policyPath =
          Program.quote((policy.startsWith(cwd) ? cwd.relativize(policy) : policy).toString());
      String policyYaml = null;
      String schemaTables = null;
      if (targetGiven()) {
        ConnectionTarget t = in.resolve(io);
        ResetPlan plan =
            PlanService.plan(
                t,
                in.policy.policy(),
                in.policy.estimate() ? PlanOptions.estimates() : PlanOptions.exactCounts());
        PolicyDraft.Draft draft = PolicyDraft.of(plan);
        policyYaml = draft.yaml();
        ResetPlan classified = PlanService.plan(t, draft.policy(), PlanOptions.estimates());
        schemaTables =
            referenceHeader(command, policyPath)
                + SchemaRenderer.markdown(SchemaView.of(classified));
      } else {
        if (!in.policy.keep.isEmpty()
            || !in.policy.reset.isEmpty()
            || !in.policy.schemas.isEmpty()
            || in.policy.estimate) {
          throw ExitException.usage(
              "--keep, --reset, --schema and --estimate need a target to write the policy from:"
                  + " give a URL, --url or --render-postgres (or put the lists in the --policy"
                  + " file); nothing was written.");
        }
        if (in.policy.policyFile != null) {
          PolicyFile.read(in.policy.policyFile); // refuses a file plan --policy would refuse
          try {
            policyYaml = Files.readString(in.policy.policyFile);
          } catch (IOException e) {
            throw ExitException.usage(
                "Cannot read the policy file " + in.policy.policyFile + ": " + e.getMessage());
          }
        }
      }
      SkillInstall.Result r =
          SkillInstall.install(
              target,
              new SkillInstall.Contents(
                  command, policyPath, policyYaml, schemaTables, in.target.renderPostgres),
              force);
      io.out().println("Installed the skill in " + target + "; it runs the tool as " + command);
      list("wrote", r.written());
      list("unchanged", r.unchanged());
      io.out().flush();
      return 0;
    }

    private void list(String what, List<String> files) {
      if (!files.isEmpty()) {
        io.out().println("  " + what + ": " + String.join(", ", files));
      }
    }

    private boolean targetGiven() {
      return in.url.url != null || in.target.url != null || in.target.renderPostgres != null;
    }

    private static String referenceHeader(String command, String policyPath) {
      return "> **Generated by `"
          + command
          + " skill install`, do not edit by hand:** what `"
          + command
          + " schema --format markdown --policy "
          + policyPath
          + "` printed for the database when the skill was installed. The tool reads the live"
          + " foreign keys on every run; this file is for reading, not an input. Install again"
          + " after a schema change.\n\n";
    }
  }
}

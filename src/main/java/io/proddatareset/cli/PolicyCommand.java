package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.plan.Hazard;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.PolicyDraft;
import io.proddatareset.plan.ResetPlan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code policy}: policy files. Its one subcommand, {@code init}, writes one from the schema. */
@Command(
    name = "policy",
    description = "Policy files: the tables to keep and to reset, reviewed and kept with the app.",
    subcommands = {PolicyCommand.Init.class})
public class PolicyCommand extends GroupCommand {

  /** {@code policy init}: a policy that classifies every table, written from the live schema. */
  @Command(
      name = "init",
      description = {
        "Write a policy YAML that lists every table of the schemas under keep: or reset:, each with"
            + " a comment (rows, size, the foreign keys tying it to other tables). Reads only.",
        "With --keep, every other table goes under reset:; with --reset, every other table under"
            + " keep:; with both, every table must be in one of them; with neither, every table is"
            + " kept. Migration-history tables are kept. Both lists are written, so a table added"
            + " to the schema later makes plan --policy refuse the policy as stale (unclassified).",
        "With --where (and --reference, --tenant-key), the file gets the where: (and references:,"
            + " tenant-key:) keys; keep: then lists the tables the selection does not reach now"
            + " (it must never reach them), and the tables it reaches are in neither list."
      })
  public static class Init extends IoCommand {
    @Mixin TargetAndPolicy in;

    @Mixin RowSelectionOptions rows;

    @Option(
        names = "--output",
        paramLabel = "FILE",
        description =
            "Write the policy to FILE (refused when it exists). Default: print it on stdout.")
    Path output;

    @Override
    public Integer call() {
      if (output != null && Files.exists(output)) {
        throw ExitException.usage(
            "The file " + output + " already exists; nothing was written: pick another name.");
      }
      ResetPlan plan =
          PlanService.plan(
              in.resolve(io),
              rows.addTo(in.policy.policy()),
              in.policy.estimate() ? PlanOptions.estimates() : PlanOptions.exactCounts());
      PolicyDraft.Draft draft = PolicyDraft.of(plan);
      if (output == null) {
        io.out().print(draft.yaml());
        io.out().flush();
      } else {
        write(output, draft.yaml());
        io.err()
            .println(
                "Wrote "
                    + output
                    + ": "
                    + Counts.of(draft.kept().size(), "table")
                    + " to keep, "
                    + Counts.of(draft.reset().size(), "table")
                    + " to reset.");
      }
      for (Hazard h : draft.hazards()) {
        io.err().println("note: plan --policy will refuse this policy: " + h.message());
      }
      return 0;
    }

    private static void write(Path file, String text) {
      try {
        Files.writeString(
            file,
            text,
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
      } catch (FileAlreadyExistsException e) {
        throw ExitException.usage(
            "The file " + file + " already exists; nothing was written: pick another name.");
      } catch (IOException e) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // the message below names the file
        }
        throw ExitException.usage(
            "Cannot write the policy to "
                + file
                + ": "
                + e.getMessage()
                + "; nothing was written.");
      }
    }
  }
}

package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.Program;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.mcp.ToolServer;
import io.proddatareset.plan.Policy;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code mcp}: the workflow as a Model Context Protocol server over stdio ({@link ToolServer}). The
 * target and policy are the ones given here, when the person configuring the client starts it.
 */
@Command(
    name = "mcp",
    description = {
      "Serve the workflow to an AI agent as a Model Context Protocol server over stdio: tools"
          + " plan, schema, verify (read-only) and reset, restore (destructive). The target and"
          + " policy are fixed here (with --where, the rows the tools plan, reset and verify); no"
          + " tool takes a URL.",
      "reset needs the planId of the plan the user saw and a backup file (unless started with"
          + " --no-backup --i-have-a-backup REASON); before reset or restore changes anything,"
          + " the client asks its user to type the database name (MCP elicitation), recorded in"
          + " the audit log with the client's name and version. A client without elicitation is"
          + " refused. stdout carries only the protocol; messages go to stderr."
    })
public class McpCommand extends IoCommand {
  @Mixin TargetAndPolicy in;

  /** The reset's switches for every reset the server runs; --backup is per call. */
  @Mixin ResetSwitches reset;

  /** Rows instead of whole tables, fixed like the policy: every tool works on this selection. */
  @Mixin RowSelectionOptions rows;

  /**
   * Takes the options that belong to one reset out of {@code mcp}'s: the reset tool gets the backup
   * file and the plan id, and the user confirms through the client. {@code mcp} shares the reset's
   * switches otherwise, so its help lists only what it takes, and picocli refuses the others.
   */
  static void dropPerCallOptions(CommandSpec spec) {
    for (String name : List.of("--backup", "--confirm", "--plan-id")) {
      spec.remove(spec.findOption(name));
    }
  }

  @Override
  public Integer call() throws Exception {
    if (reset.noBackup != (reset.noBackupReason != null)) {
      throw ExitException.usage(
          "--no-backup and --i-have-a-backup REASON go together (REASON: where the data is backed"
              + " up).");
    }
    if (in.policy.estimate()) {
      throw ExitException.usage("--estimate is for plan only: the MCP plan counts rows exactly.");
    }
    ConnectionTarget t = in.resolve(io);
    Policy policy = rows.addTo(in.policy.policy());
    // the protocol owns stdout: anything else that prints goes to stderr
    OutputStream protocol = new FileOutputStream(FileDescriptor.out);
    System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
    io.err().println("prod-data-reset mcp: serving " + t.display() + " on stdio");
    new ToolServer(
            new McpTools(io, in, rows, reset, t, policy),
            !reset.noBackup,
            Program.command(io.env()),
            policy.selects())
        .serve(new FileInputStream(FileDescriptor.in), protocol, VersionProvider.version());
    return 0;
  }
}

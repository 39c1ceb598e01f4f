package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.audit.AgentConsent;
import io.proddatareset.backup.ManifestFile;
import io.proddatareset.backup.Restorer;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import io.proddatareset.mcp.ToolServer;
import io.proddatareset.mcp.ToolServer.Confirmable;
import io.proddatareset.mcp.ToolServer.ToolResult;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.reset.ResetRun;
import io.proddatareset.reset.VerifyReport;
import io.proddatareset.reset.VerifyService;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The MCP server's tools ({@link McpCommand}): each on the services the commands use, on the target
 * and policy fixed when the server started, printing nothing on stdout.
 */
record McpTools(
    Io io,
    TargetAndPolicy in,
    RowSelectionOptions rows,
    ResetSwitches switches,
    ConnectionTarget target,
    Policy policy)
    implements ToolServer.Tools {

  @Override
  public ToolResult plan() {
    ResetPlan plan = PlanService.plan(target, policy, PlanOptions.exactCounts());
    String json =
        PlanJson.render(
            plan, target.display(), PlanCommand.appCost(io, target, plan, switches.auditLog.file));
    if (plan.refused()) {
      throw new ToolServer.ToolError(
          ExitStatus.REFUSED, PlanText.refusal(plan), Map.of("plan", ToolServer.structured(json)));
    }
    return new ToolResult(json, ToolServer.structured(json));
  }

  @Override
  public ToolResult schema(String format) {
    SchemaCommand.Format f;
    try {
      f =
          format == null
              ? SchemaCommand.Format.TEXT
              : SchemaCommand.Format.valueOf(format.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ExitException.usage(
          "format must be text, markdown, mermaid or dot, not '" + format + "'.");
    }
    SchemaView view = SchemaView.of(PlanService.plan(target, policy, PlanOptions.estimates()));
    String text =
        switch (f) {
          case TEXT -> SchemaRenderer.text(view);
          case MARKDOWN -> SchemaRenderer.markdown(view);
          case MERMAID -> SchemaRenderer.mermaid(view);
          case DOT -> SchemaRenderer.dot(view);
        };
    Map<String, Object> structured = new LinkedHashMap<>();
    structured.put("format", f.name().toLowerCase(Locale.ROOT));
    structured.put("schema", text);
    return new ToolResult(text, structured);
  }

  @Override
  public ToolResult verify(Path manifest) {
    VerifyReport report = VerifyService.verify(new Connector(target), policy, manifest);
    String json = VerifyJson.render(report, target.display());
    if (!report.ok()) {
      throw new ToolServer.ToolError(
          ExitStatus.VERIFICATION_FAILED,
          "Verification failed: " + VerifyText.problems(report) + ".",
          Map.of("report", ToolServer.structured(json)));
    }
    return new ToolResult(json, ToolServer.structured(json));
  }

  @Override
  public Confirmable reset(String planId, Path backup) {
    ResetPlan plan = ResetRun.plan(new Connector(target), policy);
    if (!plan.planId().equals(planId)) {
      throw ExitException.refused(
          "The plan id is "
              + plan.planId()
              + ", not "
              + planId
              + ": the database or the policy changed since that plan. Call plan, show the"
              + " user the new plan and ask again. Nothing was changed.");
    }
    if (plan.refused()) {
      throw ExitException.refused(PlanText.refusal(plan));
    }
    String summary =
        (plan.isSubset()
                ? "Delete and update rows (where "
                    + plan.subset().selection().conditions().stream()
                        .map(c -> c.text())
                        .collect(Collectors.joining("; "))
                    + ") of "
                : "Reset " + plan.resetTables().size() + " table(s) of ")
            + database()
            + ", plan "
            + planId
            + ": "
            + ResetText.rows(plan).entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue() + " rows)")
                .collect(Collectors.joining(", "))
            + "; "
            + plan.keptTables().size()
            + " table(s) kept. Backup: "
            + (backup == null
                ? "none (" + switches.noBackupReason + ")"
                : backup.toAbsolutePath().normalize())
            + ".";
    return confirmable(
        plan.database(),
        summary,
        (consent, callIo) -> {
          ResetCommand.run(
              callIo,
              target,
              null,
              in.target.sameTarget(),
              in.policy,
              rows,
              switches.forCall(backup, planId, plan.database()));
          Map<String, Object> result = new LinkedHashMap<>();
          result.put("database", plan.database());
          result.put("planId", planId);
          result.put("backup", backup == null ? null : backup.toAbsolutePath().toString());
          result.put("tables", ResetText.rows(plan));
          // a second, read-only look, as the verify tool returns it (the reset's own check passed)
          Path manifest =
              backup == null ? null : ManifestFile.pathFor(backup.toAbsolutePath().normalize());
          VerifyReport report = VerifyService.verify(new Connector(target), policy, manifest);
          result.put("verify", ToolServer.structured(VerifyJson.render(report, target.display())));
          return result;
        });
  }

  @Override
  public Confirmable restore(Path file) {
    Restorer.Contents contents = Restorer.inspect(file);
    String summary =
        "Restore "
            + file.toAbsolutePath().normalize()
            + " into "
            + database()
            + ": "
            + contents.tables().stream().map(n -> n.display()).collect(Collectors.joining(", "))
            + " (each must exist and be empty).";
    return confirmable(
        target.database(),
        summary,
        (consent, callIo) -> {
          RestoreCommand restore = new RestoreCommand();
          restore.setIo(callIo);
          restore.target = in.target;
          restore.file = file;
          restore.switches = new RestoreSwitches();
          restore.switches.confirm = target.database();
          restore.switches.lockTimeout = "10s";
          restore.switches.json = new JsonOption();
          restore.switches.json.json = true;
          restore.switches.auditLog = switches.auditLog;
          restore.run(target);
          return null;
        });
  }

  /** {@code database 'pm' (postgresql://app@db.internal:5432/pm)}: what a summary names. */
  private String database() {
    return "database '" + target.database() + "' (" + target.display() + ")";
  }

  /** Runs {@code work} with stdout captured and the consent where the commands read it. */
  private Confirmable confirmable(String database, String summary, Work work) {
    return new Confirmable() {
      @Override
      public String database() {
        return database;
      }

      @Override
      public String summary() {
        return summary;
      }

      @Override
      public ToolResult run(String consent, Consumer<String> progress) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Map<String, String> env = new HashMap<>(io.env());
        // the words typed at the client's prompt are the consent the audit log records
        env.put(AgentConsent.VARIABLE, consent);
        Io callIo =
            new Io(
                new PrintStream(captured, true, StandardCharsets.UTF_8),
                new PrintStream(new StepLines(io.err(), progress), true, StandardCharsets.UTF_8),
                new BufferedReader(new StringReader("")),
                env,
                false);
        Map<String, Object> structured = work.run(consent, callIo);
        String text = captured.toString(StandardCharsets.UTF_8);
        if (structured == null) {
          structured = ToolServer.structured(text);
        }
        return new ToolResult(text, structured);
      }
    };
  }

  /**
   * Passes what a command writes to stderr on, and hands each line on as a progress step: the
   * command's own step lines ({@code backing up ...}) become the client's progress.
   */
  private static final class StepLines extends OutputStream {
    private final PrintStream err;
    private final Consumer<String> steps;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    StepLines(PrintStream err, Consumer<String> steps) {
      this.err = err;
      this.steps = steps;
    }

    @Override
    public synchronized void write(int b) {
      err.write(b);
      if (b == '\n') {
        String text = line.toString(StandardCharsets.UTF_8).strip();
        line.reset();
        if (!text.isEmpty()) {
          steps.accept(text);
        }
      } else {
        line.write(b);
      }
    }

    @Override
    public void flush() {
      err.flush();
    }
  }

  private interface Work {
    Map<String, Object> run(String consent, Io io);
  }
}

package io.proddatareset.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.connect.Redaction;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The MCP server over stdio: five tools over the same work as the CLI. The target and the policy
 * are fixed by whoever starts the server; no tool takes a URL. The two tools that change the
 * database ask the client's user, through MCP elicitation, to type the database name first ({@link
 * TypedConsent}).
 *
 * <p>Every tool result is either the work's JSON (the objects {@code --json} prints) or a tool
 * error carrying the CLI's one-line message and exit code: {@code {"error": ..., "exitCode": 3}}.
 */
public final class ToolServer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a tool hands back: text for people and models, and the structured object. */
  public record ToolResult(String text, Map<String, Object> structured) {}

  /** A change prepared and checked, waiting for the person to type the database name. */
  public interface Confirmable {
    /** The name the person must type. */
    String database();

    /** What they confirm: the plan or the restore, in a few lines. */
    String summary();

    /**
     * Makes the change.
     *
     * @param consent the consent as the audit log records it: what was typed, through which client
     * @param progress gets each step as it starts (sent as progress notifications when the request
     *     asked for them)
     */
    ToolResult run(String consent, Consumer<String> progress);
  }

  /** The work behind the tools, on the target and policy the server was started with. */
  public interface Tools {
    ToolResult plan();

    ToolResult schema(String format);

    ToolResult verify(Path manifest);

    /**
     * Checks a reset of the plan {@code planId} and prepares it; changes nothing.
     *
     * @param backup the backup file, or null when the server was started without backups
     * @throws ExitException as the CLI's reset would before its confirmation
     */
    Confirmable reset(String planId, Path backup);

    /** Checks a restore of {@code file} and prepares it; changes nothing. */
    Confirmable restore(Path file);
  }

  private final Tools tools;
  private final boolean backupRequired;
  private final String terminalCommand;
  private final boolean rows;

  /**
   * @param backupRequired false when the server was started with {@code --no-backup
   *     --i-have-a-backup REASON}
   * @param terminalCommand how the program is run in a terminal, e.g. {@code prod-data-reset}
   * @param rows whether the server's policy selects rows ({@code --where}): the tools then plan,
   *     reset and verify those rows and what depends on them, and their descriptions say so
   */
  public ToolServer(Tools tools, boolean backupRequired, String terminalCommand, boolean rows) {
    this.tools = tools;
    this.backupRequired = backupRequired;
    this.terminalCommand = terminalCommand;
    this.rows = rows;
  }

  /**
   * Serves one client on {@code in}/{@code out} until {@code in} ends. Only protocol messages are
   * written to {@code out}.
   */
  public void serve(InputStream in, OutputStream out, String version) throws InterruptedException {
    CountDownLatch ended = new CountDownLatch(1);
    InputStream watched =
        new FilterInputStream(in) {
          @Override
          public int read() throws IOException {
            return ended(super.read());
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            return ended(super.read(b, off, len));
          }

          private int ended(int n) {
            if (n < 0) {
              ended.countDown();
            }
            return n;
          }
        };
    JacksonMcpJsonMapper mapper = new JacksonMcpJsonMapper(new ObjectMapper());
    McpSyncServer server =
        McpServer.sync(new StdioServerTransportProvider(mapper, watched, out))
            .serverInfo("prod-data-reset", version)
            .jsonMapper(mapper)
            .instructions(
                "Resets data in one PostgreSQL database, fixed when this server was started."
                    + " Call plan first and show the plan to the user; reset needs the plan's"
                    + " planId, and the user types the database name to confirm.")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
            .tools(specifications())
            .build();
    try {
      ended.await();
    } finally {
      server.closeGracefully();
    }
  }

  List<SyncToolSpecification> specifications() {
    return List.of(
        tool(
            "plan",
            rows
                ? "Dry-run: the rows the server's selection deletes and updates, with everything"
                    + " that depends on them through foreign keys, per table with exact counts and"
                    + " the keys that reach it, the delete order, hazards and the planId that reset"
                    + " needs. Reads only."
                : "Dry-run: the tables the policy resets and keeps, exact row counts, the"
                    + " truncation order, hazards and the planId that reset needs. Reads only.",
            schema(Map.of(), List.of()),
            readOnly(),
            (ex, args, progress) -> tools.plan()),
        tool(
            "schema",
            "The tables, their foreign keys and the truncation order, as text, markdown, mermaid"
                + " or dot. Reads only.",
            schema(
                Map.of(
                    "format",
                    Map.of(
                        "type",
                        "string",
                        "enum",
                        List.of("text", "markdown", "mermaid", "dot"),
                        "description",
                        "Output format (default text).")),
                List.of()),
            readOnly(),
            (ex, args, progress) -> tools.schema(string(args, "format"))),
        tool(
            "verify",
            rows
                ? "Read-only check, with manifest (the FILE.manifest.json a row reset wrote), that"
                    + " no deleted row is back (by key); rows the app wrote since are reported as"
                    + " new."
                : "Read-only check that the reset tables are empty; with manifest (the"
                    + " FILE.manifest.json a reset wrote), that no removed row is back and kept"
                    + " tables are unchanged.",
            schema(
                Map.of(
                    "manifest",
                    Map.of("type", "string", "description", "Path of a reset's manifest.")),
                List.of()),
            readOnly(),
            (ex, args, progress) -> tools.verify(path(args, "manifest"))),
        tool(
            "reset",
            rows
                ? "Delete the rows of the plan the user saw (and update those its SET NULL keys"
                    + " change): lock them (row locks only, the app keeps working), back them up"
                    + " (verified), delete children first, check, commit, verify. Asks the user to"
                    + " type the database name first."
                : "Reset the tables of the plan the user saw: back them up (verified), TRUNCATE,"
                    + " check kept tables, commit, verify. Asks the user to type the database name"
                    + " first.",
            schema(
                Map.of(
                    "planId",
                    Map.of("type", "string", "description", "The planId of the plan the user saw."),
                    "backup",
                    Map.of(
                        "type",
                        "string",
                        "description",
                        "File for the backup of the removed rows (.gz or .zst compress)"
                            + (backupRequired
                                ? "; required."
                                : "; optional: this server was started without backups."))),
                backupRequired ? List.of("planId", "backup") : List.of("planId")),
            destructive(),
            this::reset),
        tool(
            "restore",
            "Load a backup written by reset back, all or nothing: a whole-table backup into its"
                + " (empty) tables, a row reset's backup into the live tables (keys kept). Asks the"
                + " user to type the database name first.",
            schema(
                Map.of("file", Map.of("type", "string", "description", "The backup file.")),
                List.of("file")),
            destructive(),
            this::restore));
  }

  private ToolResult reset(
      McpSyncServerExchange ex, Map<String, Object> args, Consumer<String> progress) {
    String planId = string(args, "planId");
    Path backup = path(args, "backup");
    if (planId == null) {
      throw ExitException.usage(
          "reset needs planId: call plan, show the plan to the user, and pass its planId.");
    }
    if (backupRequired && backup == null) {
      throw ExitException.usage(
          "reset needs backup, a file for the backup of the removed rows (this server was not"
              + " started with --no-backup --i-have-a-backup REASON).");
    }
    TypedConsent.requireElicitation(ex, terminalCommand + " reset --plan-id " + planId);
    Confirmable change = tools.reset(planId, backup);
    return change.run(TypedConsent.ask(ex, change, "reset these tables"), progress);
  }

  private ToolResult restore(
      McpSyncServerExchange ex, Map<String, Object> args, Consumer<String> progress) {
    Path file = path(args, "file");
    if (file == null) {
      throw ExitException.usage("restore needs file, the backup to load.");
    }
    TypedConsent.requireElicitation(ex, terminalCommand + " restore " + file);
    Confirmable change = tools.restore(file);
    return change.run(TypedConsent.ask(ex, change, "restore into it"), progress);
  }

  private static SyncToolSpecification tool(
      String name,
      String description,
      McpSchema.JsonSchema input,
      ToolAnnotations annotations,
      Work work) {
    McpSchema.Tool tool =
        McpSchema.Tool.builder()
            .name(name)
            .description(description)
            .inputSchema(input)
            .annotations(annotations)
            .build();
    return SyncToolSpecification.builder()
        .tool(tool)
        .callHandler((ex, request) -> call(work, ex, request))
        .build();
  }

  private static CallToolResult call(Work work, McpSyncServerExchange ex, CallToolRequest request) {
    try {
      Map<String, Object> args = request.arguments() == null ? Map.of() : request.arguments();
      ToolResult r = work.apply(ex, args, progress(ex, request));
      return CallToolResult.builder()
          .addTextContent(Redaction.redact(r.text()))
          .structuredContent(r.structured())
          .isError(false)
          .build();
    } catch (ExitException e) {
      return error(e.status(), e.getMessage(), null);
    } catch (ToolError e) {
      return error(e.status, e.getMessage(), e.structured);
    } catch (RuntimeException e) {
      return error(
          ExitStatus.FAILURE,
          "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage(),
          null);
    }
  }

  /** A tool's work: the exchange, the arguments, and where its steps are reported. */
  private interface Work {
    ToolResult apply(McpSyncServerExchange ex, Map<String, Object> args, Consumer<String> progress);
  }

  /**
   * Progress notifications for a request that carries a progress token: one per step, numbered;
   * nothing otherwise. A notification that cannot be sent never fails the work.
   */
  private static Consumer<String> progress(McpSyncServerExchange ex, CallToolRequest request) {
    Object token = request.meta() == null ? null : request.meta().get("progressToken");
    if (token == null) {
      return step -> {};
    }
    AtomicInteger steps = new AtomicInteger();
    return step -> {
      try {
        ex.progressNotification(
            new McpSchema.ProgressNotification(
                token, steps.incrementAndGet(), null, Redaction.redact(step)));
      } catch (RuntimeException e) {
        // the client went away or refused it: the work goes on, its result says how it ended
      }
    };
  }

  private static CallToolResult error(
      ExitStatus status, String message, Map<String, Object> extra) {
    // the message the CLI prints after "error: " (one line by design), redacted the same way
    String line = Redaction.redact(String.valueOf(message).strip());
    Map<String, Object> structured = new LinkedHashMap<>();
    structured.put("error", line);
    structured.put("exitCode", status.code());
    if (extra != null) {
      structured.putAll(extra);
    }
    return CallToolResult.builder()
        .addTextContent("error (exit " + status.code() + "): " + line)
        .structuredContent(structured)
        .isError(true)
        .build();
  }

  /**
   * A tool failure that also carries the work's object, e.g. a plan that a hazard refuses: the
   * client sees the plan and the CLI's exit code.
   */
  public static final class ToolError extends RuntimeException {
    private final ExitStatus status;
    private final Map<String, Object> structured;

    public ToolError(ExitStatus status, String message, Map<String, Object> structured) {
      super(message);
      this.status = status;
      this.structured = structured;
    }
  }

  /** {@code json}, as a map for a tool result's structured content. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> structured(String json) {
    try {
      return JSON.readValue(json, Map.class);
    } catch (IOException e) {
      throw new IllegalStateException("not a JSON object: " + e.getMessage(), e);
    }
  }

  private static ToolAnnotations readOnly() {
    return ToolAnnotations.builder()
        .readOnlyHint(true)
        .destructiveHint(false)
        .idempotentHint(true)
        .openWorldHint(false)
        .build();
  }

  private static ToolAnnotations destructive() {
    return ToolAnnotations.builder()
        .readOnlyHint(false)
        .destructiveHint(true)
        .idempotentHint(false)
        .openWorldHint(false)
        .build();
  }

  private static McpSchema.JsonSchema schema(Map<String, Object> properties, List<String> req) {
    return new McpSchema.JsonSchema("object", properties, req, false, null, null);
  }

  private static String string(Map<String, Object> args, String name) {
    Object v = args.get(name);
    if (v == null || v.toString().isBlank()) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw ExitException.usage(name + " must be a string.");
    }
    return s.strip();
  }

  private static Path path(Map<String, Object> args, String name) {
    String s = string(args, name);
    return s == null ? null : Path.of(s);
  }
}

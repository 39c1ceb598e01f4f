package io.proddatareset.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitFormRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prod-data-reset mcp} in a child JVM, driven by the official Java SDK's client over stdio,
 * against a real PostgreSQL: what an agent's client sees and what the database and audit log show.
 */
@Tag("single-version")
class McpServerTest {
  static final String POLICY = Path.of("examples/pm-agent.policy.yaml").toAbsolutePath().toString();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final List<McpSyncClient> clients = new ArrayList<>();

  @org.junit.jupiter.api.AfterEach
  void close() {
    clients.forEach(McpSyncClient::closeGracefully);
  }

  private List<String> serverCommand(TestDatabase db) {
    return serverCommand(db.url());
  }

  private List<String> serverCommand(String url, String... more) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.proddatareset.cli.Main",
                "mcp",
                url,
                "--policy",
                POLICY,
                "--audit-log",
                dir.resolve("audit.jsonl").toString()));
    cmd.addAll(List.of(more));
    return cmd;
  }

  /** A client; {@code answer} null for one without elicitation. */
  private final List<McpSchema.ProgressNotification> progress =
      java.util.Collections.synchronizedList(new ArrayList<>());

  private McpSyncClient client(
      TestDatabase db, String name, Function<ElicitFormRequest, ElicitResult> answer) {
    return client(serverCommand(db), name, answer);
  }

  private McpSyncClient client(
      List<String> cmd, String name, Function<ElicitFormRequest, ElicitResult> answer) {
    ServerParameters params =
        ServerParameters.builder(cmd.get(0)).args(cmd.subList(1, cmd.size())).build();
    StdioClientTransport transport =
        new StdioClientTransport(params, new JacksonMcpJsonMapper(new ObjectMapper()));
    transport.setStdErrorHandler(line -> System.err.println("[mcp server] " + line));
    McpClient.SyncSpec spec =
        McpClient.sync(transport)
            .requestTimeout(Duration.ofSeconds(60))
            .initializationTimeout(Duration.ofSeconds(60))
            .clientInfo(new McpSchema.Implementation(name, "9.8.7"))
            .progressConsumer(progress::add);
    if (answer != null) {
      spec.capabilities(McpSchema.ClientCapabilities.builder().elicitation().build())
          .elicitation(answer);
    }
    McpSyncClient client = spec.build();
    clients.add(client);
    client.initialize();
    return client;
  }

  private static JsonNode structured(CallToolResult r) {
    return JSON.valueToTree(r.structuredContent());
  }

  private static String planId(McpSyncClient client) {
    CallToolResult plan = client.callTool(new CallToolRequest("plan", Map.of()));
    assertThat(plan.isError()).isFalse();
    return structured(plan).path("planId").asText();
  }

  @Test
  void listsFiveToolsWithTheirAnnotationsAndPlanReturnsAPlanId() {
    TestDatabase db = TestPostgres.freshDatabase("mcp_list").loadPmAgent(1);
    McpSyncClient client = client(db, "list-test", null);

    Map<String, McpSchema.Tool> tools =
        client.listTools().tools().stream().collect(Collectors.toMap(McpSchema.Tool::name, t -> t));
    assertThat(tools).containsOnlyKeys("plan", "schema", "verify", "reset", "restore");
    for (String readOnly : List.of("plan", "schema", "verify")) {
      assertThat(tools.get(readOnly).annotations().readOnlyHint()).as(readOnly).isTrue();
    }
    for (String destructive : List.of("reset", "restore")) {
      McpSchema.ToolAnnotations a = tools.get(destructive).annotations();
      assertThat(a.readOnlyHint()).as(destructive).isFalse();
      assertThat(a.destructiveHint()).as(destructive).isTrue();
    }
    assertThat(JSON.valueToTree(tools.get("reset").inputSchema()).path("required").toString())
        .contains("planId")
        .contains("backup");
    assertThat(tools.get("reset").description()).contains("TRUNCATE");
    // no tool takes a URL: the target is the server's
    tools
        .values()
        .forEach(
            t ->
                assertThat(JSON.valueToTree(t.inputSchema()).path("properties").fieldNames())
                    .toIterable()
                    .noneMatch(k -> k.toLowerCase().contains("url")));

    CallToolResult plan = client.callTool(new CallToolRequest("plan", Map.of()));
    assertThat(plan.isError()).isFalse();
    JsonNode json = structured(plan);
    assertThat(json.path("planId").asText()).matches("[0-9a-f]{8,}");
    assertThat(json.path("database").asText()).isEqualTo(db.name());

    CallToolResult schema =
        client.callTool(new CallToolRequest("schema", Map.of("format", "mermaid")));
    assertThat(schema.isError()).isFalse();
    assertThat(structured(schema).path("schema").asText()).contains("projects");
  }

  @Test
  void resetWithoutElicitationIsRefusedAndChangesNothing() {
    TestDatabase db = TestPostgres.freshDatabase("mcp_noelicit").loadPmAgent(1);
    Map<String, List<String>> before = db.snapshot();
    McpSyncClient client = client(db, "no-elicitation", null);
    Path backup = dir.resolve("backup.sql.gz");

    CallToolResult r =
        client.callTool(
            new CallToolRequest(
                "reset", Map.of("planId", planId(client), "backup", backup.toString())));

    assertThat(r.isError()).isTrue();
    JsonNode json = structured(r);
    assertThat(json.path("exitCode").asInt()).isEqualTo(3);
    assertThat(json.path("error").asText())
        .contains("cannot ask its user")
        .contains("in a terminal")
        .contains("Nothing was changed");
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(backup).doesNotExist();
  }

  @Test
  void resetAnsweredWithTheDatabaseNameResetsAndRecordsTheClient() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("mcp_reset").loadPmAgent(1);
    long users = db.count("public.users");
    assertThat(db.count("public.projects")).isPositive();
    AtomicReference<String> shown = new AtomicReference<>();
    McpSyncClient client =
        client(
            db,
            "elicit-test",
            req -> {
              shown.set(req.message());
              return new ElicitResult(ElicitResult.Action.ACCEPT, Map.of("database", db.name()));
            });
    Path backup = dir.resolve("backup.sql.gz");
    String planId = planId(client);

    CallToolResult r =
        client.callTool(
            new CallToolRequest(
                "reset",
                Map.of("planId", planId, "backup", backup.toString()),
                Map.of("progressToken", "reset-1")));

    assertThat(r.isError()).as(String.valueOf(r.content())).isFalse();
    // the reset's steps arrived as progress notifications for the request's token
    assertThat(progress).isNotEmpty().allMatch(n -> "reset-1".equals(n.progressToken()));
    assertThat(progress).anyMatch(n -> n.message().contains("backup"));
    assertThat(shown.get()).contains(db.name()).contains(planId).contains("projects");
    assertThat(db.count("public.projects")).isZero();
    assertThat(db.count("public.raw_notes")).isZero();
    assertThat(db.count("public.users")).isEqualTo(users);
    assertThat(backup).exists();
    assertThat(structured(r).path("planId").asText()).isEqualTo(planId);
    // the same object as verify --json, read after the reset
    assertThat(structured(r).path("verify").path("ok").asBoolean()).isTrue();
    assertThat(structured(r).path("verify").path("database").asText()).isEqualTo(db.name());

    // the reset is recorded with the consent given through this client
    String audit = Files.readString(dir.resolve("audit.jsonl"));
    assertThat(audit).contains("MCP elicitation").contains("elicit-test 9.8.7");

    CallToolResult verify =
        client.callTool(
            new CallToolRequest(
                "verify", Map.of("manifest", Path.of(backup + ".manifest.json").toString())));
    assertThat(verify.isError()).as(String.valueOf(verify.content())).isFalse();
    assertThat(structured(verify).path("ok").asBoolean()).isTrue();

    // and restore puts the rows back, after the same typed confirmation
    shown.set(null);
    CallToolResult restore =
        client.callTool(new CallToolRequest("restore", Map.of("file", backup.toString())));
    assertThat(restore.isError()).as(String.valueOf(restore.content())).isFalse();
    assertThat(shown.get()).contains(db.name()).contains(backup.toString());
    assertThat(db.count("public.projects")).isPositive();
    assertThat(structured(restore).toString()).contains("projects");
  }

  @Test
  void aWrongNameOrADeclineChangesNothing() {
    TestDatabase db = TestPostgres.freshDatabase("mcp_wrong").loadPmAgent(1);
    Map<String, List<String>> before = db.snapshot();
    List<ElicitResult> answers =
        new ArrayList<>(
            List.of(
                new ElicitResult(ElicitResult.Action.ACCEPT, Map.of("database", "postgres")),
                new ElicitResult(ElicitResult.Action.DECLINE, null)));
    McpSyncClient client = client(db, "wrong-name", req -> answers.remove(0));
    Path backup = dir.resolve("backup.sql.gz");
    String planId = planId(client);

    for (String expected : List.of("'postgres' is not '" + db.name() + "'", "declined")) {
      CallToolResult r =
          client.callTool(
              new CallToolRequest("reset", Map.of("planId", planId, "backup", backup.toString())));
      assertThat(r.isError()).isTrue();
      assertThat(structured(r).path("exitCode").asInt()).isEqualTo(5);
      assertThat(structured(r).path("error").asText())
          .contains(expected)
          .contains("Nothing was changed");
    }
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(backup).doesNotExist();
  }

  @Test
  void aServerStartedWithoutBackupsResetsWithoutABackupFileAndRecordsTheReason() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("mcp_nobackup").loadPmAgent(1);
    McpSyncClient client =
        client(
            serverCommand(db.url(), "--no-backup", "--i-have-a-backup", "nightly snapshot S-42"),
            "no-backup",
            req -> new ElicitResult(ElicitResult.Action.ACCEPT, Map.of("database", db.name())));
    McpSchema.Tool reset =
        client.listTools().tools().stream().filter(t -> t.name().equals("reset")).findFirst().get();
    assertThat(JSON.valueToTree(reset.inputSchema()).path("required").toString())
        .contains("planId")
        .doesNotContain("backup");

    CallToolResult r =
        client.callTool(new CallToolRequest("reset", Map.of("planId", planId(client))));

    assertThat(r.isError()).as(String.valueOf(r.content())).isFalse();
    assertThat(db.count("public.projects")).isZero();
    assertThat(Files.readString(dir.resolve("audit.jsonl"))).contains("nightly snapshot S-42");
  }

  @Test
  void aStalePlanIdIsRefusedBeforeTheUserIsAsked() {
    TestDatabase db = TestPostgres.freshDatabase("mcp_stale").loadPmAgent(1);
    AtomicReference<String> asked = new AtomicReference<>();
    McpSyncClient client =
        client(
            db,
            "stale",
            req -> {
              asked.set(req.message());
              return new ElicitResult(ElicitResult.Action.ACCEPT, Map.of("database", db.name()));
            });
    Path backup = dir.resolve("backup.sql.gz");

    CallToolResult r =
        client.callTool(
            new CallToolRequest(
                "reset", Map.of("planId", "0000000000000000", "backup", backup.toString())));

    assertThat(r.isError()).isTrue();
    assertThat(structured(r).path("exitCode").asInt()).isEqualTo(3);
    assertThat(asked.get()).isNull();
    assertThat(db.count("public.projects")).isPositive();
  }

  @Test
  void stdoutCarriesOnlyTheProtocol() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("mcp_stdout").loadPmAgent(1);
    ProcessBuilder pb = new ProcessBuilder(serverCommand(db.passwordUrl()));
    pb.redirectError(dir.resolve("err.txt").toFile());
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      String init =
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
              + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}\n"
              + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
              + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"plan\","
              + "\"arguments\":{}}}\n"
              + "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"reset\","
              + "\"arguments\":{\"planId\":\"x\",\"backup\":\"/nonexistent/b.sql\"}}}\n";
      in.write(init.getBytes(StandardCharsets.UTF_8));
      in.flush();
      List<String> lines = new ArrayList<>();
      JsonNode resetReply = null;
      JsonNode planReply = null;
      try (BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        while (resetReply == null || planReply == null) {
          String line = out.readLine();
          assertThat(line).as("stdout ended after %d lines", lines.size()).isNotNull();
          lines.add(line);
          JsonNode message = JSON.readTree(line);
          assertThat(message.path("jsonrpc").asText()).as(line).isEqualTo("2.0");
          if (message.path("id").asInt() == 3) {
            resetReply = message;
          } else if (message.path("id").asInt() == 2) {
            planReply = message;
          }
        }
      }
      // the client has no elicitation: refused with the CLI's exit code, as a tool error
      assertThat(resetReply.path("result").path("isError").asBoolean()).isTrue();
      assertThat(resetReply.path("result").path("structuredContent").path("exitCode").asInt())
          .isEqualTo(3);
      // the server was given the password in its URL: no response carries it
      assertThat(String.join("\n", lines))
          .contains(TestPostgres.PASSWORD_ROLE)
          .doesNotContain(TestPostgres.PASSWORD)
          .doesNotContain(db.passwordUrl());
    } finally {
      p.destroy();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aServerStartedWithWhereResetsOnlyTheSelectedRows() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("mcp_where").loadPmAgent(3);
    long otherProjects = db.queryLong("SELECT count(*) FROM projects WHERE id <> 1");
    long otherEntities = db.queryLong("SELECT count(*) FROM entities WHERE project_id <> 1");
    List<String> cmd = new ArrayList<>(serverCommand(db));
    int policy = cmd.indexOf("--policy");
    cmd.subList(policy, policy + 2).clear();
    cmd.addAll(List.of("--where", "projects: id = 1", "--keep", "users,api_keys"));
    McpSyncClient client =
        client(
            cmd,
            "where-test",
            req -> new ElicitResult(ElicitResult.Action.ACCEPT, Map.of("database", db.name())));

    // the tools say what they do on this server: rows, not whole tables
    Map<String, String> described =
        client.listTools().tools().stream()
            .collect(Collectors.toMap(McpSchema.Tool::name, McpSchema.Tool::description));
    assertThat(described.get("reset")).contains("Delete the rows").doesNotContain("TRUNCATE");
    assertThat(described.get("plan")).contains("rows the server's selection deletes");
    assertThat(described.get("verify")).contains("no deleted row is back");
    CallToolResult plan = client.callTool(new CallToolRequest("plan", Map.of()));
    assertThat(plan.isError()).as(String.valueOf(plan.content())).isFalse();
    assertThat(structured(plan).toString()).contains("\"action\":\"delete\"");
    Path backup = dir.resolve("rows.sql.gz");
    CallToolResult r =
        client.callTool(
            new CallToolRequest(
                "reset",
                Map.of(
                    "planId",
                    structured(plan).path("planId").asText(),
                    "backup",
                    backup.toString())));

    assertThat(r.isError()).as(String.valueOf(r.content())).isFalse();
    assertThat(db.queryLong("SELECT count(*) FROM projects WHERE id = 1")).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM projects")).isEqualTo(otherProjects);
    assertThat(db.queryLong("SELECT count(*) FROM entities")).isEqualTo(otherEntities);
    assertThat(structured(r).path("tables").toString()).contains("public.projects (delete)");
    assertThat(structured(r).path("verify").path("ok").asBoolean()).isTrue();
  }

  @Test
  void theInspectorCliListsTheTools() throws Exception {
    Assumptions.assumeTrue(
        onPath("npx"), "npx is not on the PATH: the MCP Inspector CLI test needs node");
    TestDatabase db = TestPostgres.freshDatabase("mcp_inspector").loadPmAgent(1);
    List<String> cmd =
        // the Inspector's CLI mode: the separate inspector-cli package of v1 no longer starts
        new ArrayList<>(List.of("npx", "-y", "@modelcontextprotocol/inspector", "--cli"));
    cmd.addAll(serverCommand(db));
    cmd.addAll(List.of("--method", "tools/list"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    Assumptions.assumeFalse(
        p.exitValue() != 0
            && (out.contains("ENOTFOUND")
                || out.contains("EAI_AGAIN")
                || out.contains("E404")
                || out.contains("ETIMEDOUT")),
        "the npm registry is not reachable: " + out.lines().findFirst().orElse(""));
    assertThat(p.exitValue()).as(out).isZero();
    JsonNode tools = JSON.readTree(out.substring(out.indexOf('{'))).path("tools");
    List<String> names = new ArrayList<>();
    tools.forEach(t -> names.add(t.path("name").asText()));
    assertThat(names).containsExactlyInAnyOrder("plan", "schema", "verify", "reset", "restore");
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String d : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }
}

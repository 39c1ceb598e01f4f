package io.proddatareset.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The tool running in a child JVM, for tests that send it real signals: its stdout, stderr and
 * audit log go to files in a directory, and it runs as a user's shell would start it, with no agent
 * variables and no {@code DATABASE_URL}.
 *
 * <p>The child gets SIGINT, Ctrl-C's own signal: it is started through {@code env
 * --default-signal=INT}, since a process started from a background job inherits SIGINT ignored (and
 * a JVM then ignores it too). Where that is not available, SIGTERM, which the JVM treats the same
 * way, is sent instead.
 */
public class ChildRun {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final boolean SIGINT_RESTORABLE = envCanRestoreSigint();

  public final Path auditLog;
  public final Path outFile;
  public final Path errFile;
  public final Process process;

  /** Starts {@code prod-data-reset toolArgs --audit-log DIR/audit.jsonl}. */
  public ChildRun(Path dir, List<String> toolArgs) throws IOException {
    auditLog = dir.resolve("audit.jsonl");
    outFile = dir.resolve("out.txt");
    errFile = dir.resolve("err.txt");
    List<String> cmd = new ArrayList<>();
    if (SIGINT_RESTORABLE) {
      cmd.addAll(List.of("env", "--default-signal=INT"));
    }
    cmd.addAll(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "io.proddatareset.cli.Main"));
    cmd.addAll(toolArgs);
    cmd.addAll(List.of("--audit-log", auditLog.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment()
        .keySet()
        .removeIf(
            k ->
                k.startsWith("CLAUDE")
                    || k.equals("AI_AGENT")
                    || k.startsWith("CODEX")
                    || k.equals("GEMINI_CLI")
                    || k.equals("CURSOR_AGENT")
                    || k.equals("REPLIT_CLI")
                    || k.equals("DATABASE_URL"));
    pb.redirectOutput(outFile.toFile()).redirectError(errFile.toFile());
    process = pb.start();
  }

  /** Sends {@code INT} (Ctrl-C) where it can reach the child, else {@code TERM}. */
  public void signal(String name) throws Exception {
    String sig = name.equals("INT") && !SIGINT_RESTORABLE ? "TERM" : name;
    // env execs java, so the pid is the JVM's
    Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  /**
   * Waits for the child to end and checks that it ended as an interrupted run does: exit 130, one
   * line starting {@code Interrupted}, beginning with {@code lineStart}, no error, and (when the
   * run's final audit record is {@code interrupted}) that line in the record.
   */
  public void assertInterrupted(String lineStart) throws Exception {
    assertThat(process.waitFor(90, TimeUnit.SECONDS)).as(output()).isTrue();
    assertThat(process.exitValue()).as(output()).isEqualTo(130);
    List<String> lines = err().lines().filter(l -> l.startsWith("Interrupted")).toList();
    assertThat(lines).as(output()).hasSize(1);
    assertThat(lines.get(0)).as(output()).startsWith(lineStart);
    assertThat(err()).as(output()).doesNotContain("error:");
    // the audit record carries the same line when the run ended interrupted
    List<JsonNode> records = audit();
    JsonNode last = records.get(records.size() - 1);
    if (last.get("outcome").asText().equals("interrupted")) {
      assertThat(last.get("error").asText()).isEqualTo(lines.get(0));
    }
  }

  /** The one line of the interrupted run (after {@link #assertInterrupted}). */
  public String interruptedLine() throws IOException {
    return err().lines().filter(l -> l.startsWith("Interrupted")).findFirst().orElseThrow();
  }

  public String out() throws IOException {
    return Files.readString(outFile);
  }

  public String err() throws IOException {
    return Files.readString(errFile);
  }

  public String output() {
    try {
      return "--- stdout ---\n" + out() + "\n--- stderr ---\n" + err();
    } catch (IOException e) {
      return e.toString();
    }
  }

  public List<JsonNode> audit() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(auditLog)) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  /** The outcomes of the one run in the audit log, in order. */
  public List<String> auditOutcomes() throws IOException {
    List<JsonNode> records = audit();
    assertThat(records.stream().map(r -> r.get("run").asText()).distinct()).hasSize(1);
    return records.stream().map(r -> r.get("outcome").asText()).toList();
  }

  private static boolean envCanRestoreSigint() {
    try {
      Process p = new ProcessBuilder("env", "--default-signal=INT", "true").start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}

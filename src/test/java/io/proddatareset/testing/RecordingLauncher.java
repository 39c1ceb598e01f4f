package io.proddatareset.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.proddatareset.Program;
import io.proddatareset.audit.AgentConsent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command the tool printed exactly as printed: a real shell reads the line (quoting and
 * all), and a stand-in for the launcher, at a path that must be quoted, records the words and the
 * consent variable it got, so that a test can assert them and then run those words as the real CLI,
 * in-process, in the same environment.
 */
public final class RecordingLauncher {
  private final Path dir;
  private final Path launcher;
  private final Path argvFile;

  private RecordingLauncher(Path dir, Path launcher, Path argvFile) {
    this.dir = dir;
    this.launcher = launcher;
    this.argvFile = argvFile;
  }

  /** A launcher in {@code dir}, under a directory whose name has a space and a single quote. */
  public static RecordingLauncher in(Path dir) throws IOException {
    assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");
    Path bin = Files.createDirectories(dir.resolve("odd dir's bin"));
    Path launcher = bin.resolve("pdr");
    Files.writeString(
        launcher,
        """
        #!/bin/sh
        { if [ "${PDR_USER_CONSENT+set}" = set ]; then printf 'set:%s\\0' "$PDR_USER_CONSENT"
          else printf 'unset\\0'; fi
          for a in "$@"; do printf '%s\\0' "$a"; done; } > "$ARGV_OUT"
        """);
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
    return new RecordingLauncher(dir, launcher, dir.resolve("argv"));
  }

  /** The launcher's path, to put in {@link Program#LAUNCHER_VARIABLE}. */
  public Path path() {
    return launcher;
  }

  /** The launcher as the tool must print it: in single quotes, its own quote escaped. */
  public String quoted() {
    return "'" + launcher.toString().replace("'", "'\\''") + "'";
  }

  /** What the program got from the shell: its arguments and, if set, the consent variable. */
  public record Called(List<String> args, String consent) {}

  /** Runs one printed line through a real shell, in a clean environment, and what it called. */
  public Called throughShell(String line) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", line).directory(dir.toFile());
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/bin:/bin");
    pb.environment().put("ARGV_OUT", argvFile.toString());
    pb.redirectErrorStream(true);
    Files.deleteIfExists(argvFile);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("sh -c %s: %s", line, output).isZero();
    List<String> words =
        new ArrayList<>(
            Arrays.asList(Files.readString(argvFile, StandardCharsets.UTF_8).split("\0", -1)));
    words.remove(words.size() - 1); // after the last NUL
    String marker = words.remove(0);
    return new Called(words, marker.startsWith("set:") ? marker.substring(4) : null);
  }

  /** A CLI with exactly this environment (on top of {@link Cli}'s clean one). */
  public static Cli cli(Map<String, String> env) {
    Cli cli = new Cli();
    env.forEach(cli::env);
    return cli;
  }

  /** Runs what the shell handed the launcher as the real tool, in the same environment. */
  public static Cli.Result runAsTheTool(Called called, Map<String, String> env) {
    Map<String, String> withConsent = new HashMap<>(env);
    if (called.consent() != null) {
      withConsent.put(AgentConsent.VARIABLE, called.consent());
    }
    return cli(withConsent).run(called.args().toArray(String[]::new));
  }

  /** Runs a printed line through the shell, then what it called as the real tool. */
  public Cli.Result runAsPrinted(String line, Map<String, String> env) throws Exception {
    return runAsTheTool(throughShell(line), env);
  }

  /**
   * The indented lines under the last line of {@code text} that starts with {@code heading},
   * without their two-space indentation: the commands printed under it.
   */
  public static List<String> linesUnder(String text, String heading) {
    List<String> lines = text.lines().toList();
    int start = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(heading)) {
        start = i;
      }
    }
    assertThat(start).as("a line starting %s in %s", heading, text).isNotNegative();
    List<String> under = new ArrayList<>();
    for (int i = start + 1; i < lines.size() && lines.get(i).startsWith("  "); i++) {
      under.add(lines.get(i).substring(2));
    }
    return under;
  }
}

package io.proddatareset.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What a command may touch of the outside world: stdout for data, stderr for diagnostics, stdin for
 * the confirmation prompt, the environment, and whether a person sits at a terminal. Tests pass
 * their own.
 *
 * @param interactive true when stdin and stdout are a terminal, so a prompt can be answered
 */
public record Io(
    PrintStream out,
    PrintStream err,
    BufferedReader in,
    Map<String, String> env,
    boolean interactive) {

  public static Io system() {
    return new Io(
        new PrintStream(System.out, true, StandardCharsets.UTF_8),
        new PrintStream(System.err, true, StandardCharsets.UTF_8),
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
        System.getenv(),
        System.console() != null);
  }

  public String env(String name) {
    String v = env.get(name);
    return v == null || v.isEmpty() ? null : v;
  }
}

package io.proddatareset.testing;

import io.proddatareset.cli.Io;
import io.proddatareset.cli.Main;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs the real CLI in-process, as a user would, and captures exit code, stdout and stderr. */
public final class Cli {
  private final Map<String, String> env = new HashMap<>();
  private String stdin = "";
  private boolean interactive;

  public Cli() {
    // a clean environment: nothing from the machine running the tests leaks in
    env.put("HOME", System.getProperty("java.io.tmpdir"));
    env.put("XDG_STATE_HOME", System.getProperty("java.io.tmpdir") + "/pdr-test-state");
  }

  public Cli env(String name, String value) {
    env.put(name, value);
    return this;
  }

  public Cli stdin(String text, boolean terminal) {
    this.stdin = text;
    this.interactive = terminal;
    return this;
  }

  public Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Io io =
        new Io(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new BufferedReader(new StringReader(stdin)),
            Map.copyOf(env),
            interactive);
    int code = Main.run(io, args);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Runs the CLI as {@link #run} does, keeping stdout as bytes (a backup streamed to stdout). */
  public BytesResult runForBytes(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Io io =
        new Io(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new BufferedReader(new StringReader(stdin)),
            Map.copyOf(env),
            interactive);
    int code = Main.run(io, args);
    return new BytesResult(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  /** The outcome of one run, with stdout as bytes. */
  public record BytesResult(int exitCode, byte[] out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + ", " + out.length + " bytes on stdout\n--- stderr ---\n" + err;
    }
  }

  /** The outcome of one run. */
  public record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
  }
}

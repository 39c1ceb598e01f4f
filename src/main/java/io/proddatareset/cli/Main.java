package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.connect.Redaction;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Entry point. {@code main} only exits; everything else happens in {@link #run}, which tests call.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(Io.system(), args));
  }

  /** Runs the tool with the given streams and environment and returns the exit code. */
  public static int run(Io io, String... args) {
    CommandLine cmd = commandLine(io);
    return cmd.execute(args);
  }

  static CommandLine commandLine(Io io) {
    CommandLine cmd = new CommandLine(TopCommand.class, new IoFactory(io));
    cmd.setOut(new PrintWriter(io.out(), true));
    cmd.setErr(new PrintWriter(io.err(), true));
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    cmd.setExecutionExceptionHandler(new ExceptionHandler(io));
    cmd.setParameterExceptionHandler(new ParameterHandler(io));
    addExitCodeSection(cmd);
    McpCommand.dropPerCallOptions(cmd.getSubcommands().get("mcp").getCommandSpec());
    return cmd;
  }

  /** Every command's --help ends with the exit codes. */
  private static void addExitCodeSection(CommandLine cmd) {
    cmd.getHelpSectionMap().put("exitCodes", help -> exitCodeSection());
    java.util.List<String> keys = new java.util.ArrayList<>(cmd.getHelpSectionKeys());
    // setHelpSectionKeys also applies to the subcommands: add the key once per command
    keys.remove("exitCodes");
    keys.add(keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER), "exitCodes");
    cmd.setHelpSectionKeys(keys);
    cmd.getSubcommands().values().forEach(Main::addExitCodeSection);
  }

  static String exitCodeSection() {
    StringBuilder sb = new StringBuilder(String.format("%nExit codes:%n"));
    for (ExitStatus s : ExitStatus.values()) {
      sb.append(String.format(java.util.Locale.ROOT, "  %3d  %s%n", s.code(), s.meaning()));
    }
    return sb.toString();
  }

  static boolean verbose(String[] args) {
    return Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v");
  }

  /** Creates command objects and hands them the {@link Io}. */
  static final class IoFactory implements IFactory {
    private final Io io;
    private final IFactory fallback = CommandLine.defaultFactory();

    IoFactory(Io io) {
      this.io = io;
    }

    @Override
    public <K> K create(Class<K> cls) throws Exception {
      K obj = fallback.create(cls);
      if (obj instanceof IoCommand c) {
        c.setIo(io);
      }
      return obj;
    }
  }

  private record ExceptionHandler(Io io) implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
      boolean verbose = verbose(parseResult.originalArgs().toArray(new String[0]));
      if (ex instanceof ExitException e) {
        // an interrupted run's line says what state it left; it is not an error of the tool
        io.err()
            .println(
                (e.status() == ExitStatus.INTERRUPTED ? "" : "error: ")
                    + Redaction.redact(e.getMessage()));
        if (verbose) {
          io.err().println(stackTrace(e));
        }
        return e.status().code();
      }
      io.err()
          .println(
              "error: unexpected "
                  + ex.getClass().getSimpleName()
                  + ": "
                  + Redaction.redact(String.valueOf(ex.getMessage()))
                  + (verbose ? "" : " (run with --verbose for details)"));
      if (verbose) {
        io.err().println(stackTrace(ex));
      }
      return ExitStatus.FAILURE.code();
    }
  }

  private record ParameterHandler(Io io) implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
      CommandLine cmd = ex.getCommandLine();
      io.err().println("error: " + Redaction.redact(ex.getMessage()));
      io.err()
          .println(
              "Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
      return ExitStatus.USAGE.code();
    }
  }

  static String stackTrace(Throwable t) {
    StringWriter sw = new StringWriter();
    t.printStackTrace(new PrintWriter(sw));
    return Redaction.redact(sw.toString());
  }
}

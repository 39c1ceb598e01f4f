package io.proddatareset;

/**
 * The one exception type for expected failures. Its message says what happened and what to do next,
 * in one line, and must never contain a secret; the CLI prints it without a stack trace unless
 * {@code --verbose} is given.
 */
public class ExitException extends RuntimeException {
  private final ExitStatus status;

  public ExitException(ExitStatus status, String message) {
    super(message);
    this.status = status;
  }

  public ExitException(ExitStatus status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  public ExitStatus status() {
    return status;
  }

  public static ExitException usage(String message) {
    return new ExitException(ExitStatus.USAGE, message);
  }

  public static ExitException failure(String message, Throwable cause) {
    return new ExitException(ExitStatus.FAILURE, message, cause);
  }

  public static ExitException refused(String message) {
    return new ExitException(ExitStatus.REFUSED, message);
  }

  /** The first line of a failure's message (or its class name), for a one-line error. */
  public static String firstLine(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
  }

  /**
   * The first line of a message, without surrounding space or a trailing full stop (the caller goes
   * on with its own punctuation); "no detail" for none.
   */
  public static String firstLine(String message) {
    if (message == null) {
      return "no detail";
    }
    String line = message.strip();
    int nl = line.indexOf('\n');
    if (nl >= 0) {
      line = line.substring(0, nl).strip();
    }
    while (line.endsWith(".")) {
      line = line.substring(0, line.length() - 1);
    }
    return line;
  }
}

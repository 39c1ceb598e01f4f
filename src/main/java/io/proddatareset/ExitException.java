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
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}

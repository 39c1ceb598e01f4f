package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.PasswordSource;
import io.proddatareset.connect.TargetParser;
import picocli.CommandLine.Option;

/** Where to connect: shared by every command that talks to a database. */
public class TargetOptions {
  @Option(
      names = "--url",
      paramLabel = "URL",
      description =
          "Database to work on: postgres://user:pass@host:port/db?sslmode=..., a jdbc:postgresql:// URL"
              + " or libpq key=value pairs. Default: the DATABASE_URL environment variable."
              + " A missing password comes from PGPASSWORD or ~/.pgpass.")
  String url;

  @Option(
      names = "--sslmode",
      paramLabel = "MODE",
      description =
          "TLS mode (disable, allow, prefer, require, verify-ca, verify-full). Default: require for"
              + " any host that is not loopback; weaker modes are refused for remote hosts.")
  String sslMode;

  /**
   * Resolves the target from, in order: {@code --url}, the positional URL, {@code DATABASE_URL}.
   */
  public ConnectionTarget resolve(String positionalUrl, Io io) {
    if (url != null && positionalUrl != null && !url.equals(positionalUrl)) {
      throw ExitException.usage(
          "Give the database once: either --url or a positional URL, not both.");
    }
    String text =
        url != null ? url : positionalUrl != null ? positionalUrl : io.env("DATABASE_URL");
    if (text == null) {
      throw ExitException.usage(
          "No database given: pass --url URL, a postgres:// URL as argument, or set DATABASE_URL.");
    }
    ConnectionTarget target = TargetParser.parse(text);
    if (sslMode != null) {
      target =
          TargetParser.applySslDefault(
              target.withSslMode(sslMode.toLowerCase(java.util.Locale.ROOT)));
    }
    return PasswordSource.complete(target, io.env());
  }
}

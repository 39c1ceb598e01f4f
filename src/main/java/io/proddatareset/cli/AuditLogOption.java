package io.proddatareset.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --audit-log FILE}: the one declaration shared by backup, reset and restore. */
public class AuditLogOption {
  @Option(
      names = "--audit-log",
      paramLabel = "FILE",
      description = "Audit log file (default: $XDG_STATE_HOME/prod-data-reset/audit.jsonl).")
  Path file;
}

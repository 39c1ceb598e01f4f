package io.proddatareset.cli;

import io.proddatareset.audit.AuditLog;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the audit log goes: shared by the commands that write it (backup, reset, restore). */
public class AuditOptions {
  @Option(
      names = "--audit-log",
      paramLabel = "FILE",
      description =
          "Append the audit record of this run to FILE (default:"
              + " $XDG_STATE_HOME/prod-data-reset/audit.jsonl, or"
              + " ~/.local/state/prod-data-reset/audit.jsonl).")
  Path file;

  AuditLog log(Io io) {
    return AuditLog.resolve(file, io.env());
  }
}

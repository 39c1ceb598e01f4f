package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.audit.AgentConsent;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.RestoreOptions;
import io.proddatareset.backup.RestoreResult;
import io.proddatareset.backup.Restorer;
import io.proddatareset.backup.TableSelection;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code restore FILE}: loads a backup into empty tables, all or nothing. */
@Command(
    name = "restore",
    sortOptions = false,
    usageHelpAutoWidth = true,
    mixinStandardHelpOptions = true,
    description = {
      "Load a data-only backup (this tool's, or a plain pg_dump --data-only file; plain, .gz or"
          + " .zst) into existing, empty tables, in one transaction: all of it or nothing. Foreign"
          + " keys on the tables are dropped for the load and added back (which validates them),"
          + " user triggers are disabled for the load and enabled again, and with a manifest"
          + " beside the file every table's rows and SHA-256 are checked before commit."
    })
public class RestoreCommand extends IoCommand {
  @Mixin TargetOptions target;

  @Parameters(index = "0", paramLabel = "FILE", description = "The backup to restore.")
  Path file;

  @Option(
      names = "--confirm",
      paramLabel = "DBNAME",
      description =
          "The target database's name, to confirm without a terminal (otherwise you are asked to"
              + " type it).")
  String confirm;

  @Option(
      names = "--only",
      paramLabel = "LIST",
      split = ",",
      description =
          "Restore only these tables of the backup (comma-separated or repeated), and their"
              + " sequences.")
  List<String> only = new ArrayList<>();

  @Option(
      names = "--lock-timeout",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description =
          "How long to wait for the locks on the tables, e.g. 10s, 500ms, 1m (default:"
              + " ${DEFAULT-VALUE}).")
  String lockTimeout;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Mixin AuditLogOption auditLog;

  @Override
  public Integer call() {
    Duration lockWait = Durations.parse("--lock-timeout", lockTimeout);
    ConnectionTarget t = target.resolve(null, io);
    Restorer.Contents contents = Restorer.inspect(file);
    Set<TableName> selected =
        only.isEmpty() ? null : TableSelection.resolve(only, contents.tables());
    List<TableName> tables =
        selected == null
            ? contents.tables()
            : contents.tables().stream().filter(selected::contains).toList();
    io.err()
        .println(
            "Restore "
                + tables.size()
                + " table(s) from "
                + file
                + (contents.manifest() != null
                    ? " (checked against its manifest)"
                    : " (no manifest: rows and checksums cannot be checked)")
                + " into "
                + t.display()
                + ".");
    AuditTrail trail = AuditTrail.open(auditLog.file, io, "restore").target(t);
    String sha256 = contents.fileSha256();
    trail.backup(file.toString(), sha256 != null && sha256.matches("[0-9a-f]{64}") ? sha256 : null);
    if (contents.manifest() != null) {
      trail.planId(contents.manifest().planId());
    }
    try {
      // an AI coding agent needs the user's own words first; then the user types the name
      trail.consent(AgentConsent.require(io.env(), "restore").consent());
      Confirmation.require(io, t.database(), confirm, "restore into it");
    } catch (RuntimeException e) {
      trail.ended(e);
      throw e;
    }
    trail.started();
    BackupProgress progress = ProgressPrinter.forIo(io);
    RestoreResult result;
    try (Connection c = new Connector(t).open()) {
      result = Restorer.restore(c, contents, new RestoreOptions(selected, lockWait, progress));
    } catch (SQLException e) {
      ExitException failure =
          ExitException.failure("Closing the connection failed: " + e.getMessage(), e);
      trail.ended(failure);
      throw failure;
    } catch (RuntimeException e) {
      trail.ended(e);
      throw e;
    } finally {
      ProgressPrinter.finish(progress);
    }
    Map<String, Long> rows = new LinkedHashMap<>();
    result.tables().forEach(table -> rows.put(table.name(), table.rows()));
    trail.tables(rows).succeeded();
    if (json) {
      io.out().println(RestoreJson.of(file, t.display(), result));
    } else {
      print(result);
    }
    return 0;
  }

  private void print(RestoreResult r) {
    io.out()
        .printf(
            Locale.ROOT,
            "Restored %d %s, %,d rows, and %d %s from %s in %.1fs.%n",
            r.tables().size(),
            r.tables().size() == 1 ? "table" : "tables",
            r.totalRows(),
            r.sequences().size(),
            r.sequences().size() == 1 ? "sequence" : "sequences",
            file,
            r.millis() / 1000.0);
    for (var table : r.tables()) {
      io.out().printf(Locale.ROOT, "  %-40s %,12d rows%n", table.name(), table.rows());
    }
    if (!r.skipped().isEmpty()) {
      io.out().println("Left out (--only): " + String.join(", ", r.skipped()) + ".");
    }
    for (RestoreResult.SequenceAhead s : r.sequencesAhead()) {
      io.out()
          .printf(
              Locale.ROOT,
              "Sequence %s left at %d: it has already handed out values up to there, and the"
                  + " backup's %d would hand them out again.%n",
              s.name(),
              s.lastValue(),
              s.fileValue());
    }
    io.out()
        .println(
            (r.manifestChecked()
                    ? "Checked: every table's rows and SHA-256 matched the manifest before commit."
                    : "Not checked: no manifest beside the file.")
                + " Foreign keys re-added and validated: "
                + r.foreignKeysRecreated()
                + "; user triggers disabled during the load: "
                + r.triggersDisabled()
                + ".");
  }
}

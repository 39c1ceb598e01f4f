package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.Program;
import io.proddatareset.audit.AgentConsent;
import io.proddatareset.audit.AuditTrail;
import io.proddatareset.backup.BackupOrigin;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.DatabaseIdentity;
import io.proddatareset.backup.RestoreOptions;
import io.proddatareset.backup.RestorePreview;
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
    description = {
      "Load a data-only backup (this tool's, or a plain pg_dump --data-only file; plain, .gz or"
          + " .zst) into existing, empty tables, in one transaction: all of it or nothing. Foreign"
          + " keys on the tables are dropped for the load and added back (which validates them),"
          + " user triggers are disabled for the load and enabled again, and with a manifest"
          + " beside the file every table's rows and SHA-256 are checked before commit.",
      "A backup whose manifest records another database (another name, or the same name on"
          + " another server) is refused unless --allow-other-database is given. --dry-run shows"
          + " what would be loaded where, and what would refuse it, without changing anything.",
      "Exit 0 when restored (or, with --dry-run, when it would go ahead), 3 when refused with"
          + " nothing changed (a damaged backup, tables not empty or missing, another database,"
          + " another reset or restore running), 2 for a bad path or manifest."
    })
public class RestoreCommand extends IoCommand {
  private static final String DEFAULT_LOCK_TIMEOUT = "10s";

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
      defaultValue = DEFAULT_LOCK_TIMEOUT,
      description =
          "How long to wait for the locks on the tables, e.g. 10s, 500ms, 1m (default:"
              + " ${DEFAULT-VALUE}).")
  String lockTimeout;

  @Option(
      names = "--dry-run",
      description =
          "Only show what the restore would do: the target, where the backup comes from, the"
              + " tables and rows it would load, the sequences, and every reason it would be"
              + " refused. Reads only (nothing is locked or written); needs no confirmation."
              + " Exit 0 when the restore would go ahead, 3 when it would be refused.")
  boolean dryRun;

  @Option(
      names = "--allow-other-database",
      description =
          "Load a backup whose manifest records another database than the target (another name,"
              + " or the same name on another server). Without it, such a restore is refused.")
  boolean allowOtherDatabase;

  @Mixin JsonOption json;

  @Mixin AuditLogOption auditLog;

  @Override
  public Integer call() {
    Duration lockWait = Durations.parse("--lock-timeout", lockTimeout);
    ConnectionTarget t = target.resolve(null, io);
    Restorer.Contents contents = Restorer.inspect(file);
    Set<TableName> selected =
        only.isEmpty() ? null : TableSelection.resolve(only, contents.tables());
    RestoreOptions options =
        new RestoreOptions(selected, lockWait, BackupProgress.NONE, allowOtherDatabase);
    if (dryRun) {
      return preview(t, contents, options);
    }
    List<TableName> tables =
        selected == null
            ? contents.tables()
            : contents.tables().stream().filter(selected::contains).toList();
    AuditTrail trail = AuditTrail.open(auditLog.file, io.env(), "restore", t);
    String sha256 = contents.fileSha256();
    trail.backup(file.toString(), sha256 != null && sha256.matches("[0-9a-f]{64}") ? sha256 : null);
    if (contents.manifest() != null) {
      trail.plan(contents.manifest().planId(), Map.of());
    }
    return InterruptGuard.run(
        io,
        trail,
        "restore",
        "Interrupted before the restore started: nothing was changed.",
        guard -> {
          // an AI coding agent needs the user's own words first (they need no database)
          trail.consent(AgentConsent.require(io.env(), "restore").consent());
          try (Connection c = new Connector(t).open()) {
            return restore(c, t, contents, tables, selected, lockWait, trail, guard);
          } catch (SQLException e) {
            // closing the connection: the restore itself has committed or rolled back by then
            throw ExitException.failure("Closing the connection failed: " + e.getMessage(), e);
          }
        });
  }

  private int restore(
      Connection c,
      ConnectionTarget t,
      Restorer.Contents contents,
      List<TableName> tables,
      Set<TableName> selected,
      Duration lockWait,
      AuditTrail trail,
      InterruptGuard guard) {
    BackupOrigin origin = new BackupOrigin(contents.manifest(), identity(c, t));
    io.err()
        .println(
            "Restore "
                + Counts.of(tables.size(), "table")
                + " from "
                + file
                + (contents.manifest() != null
                    ? " (checked against its manifest)"
                    : " (no manifest: rows and checksums cannot be checked)")
                + " into "
                + t.display()
                + ".");
    for (String line : originLines(origin, file)) {
      io.err().println(line);
    }
    origin.requireSameForRestore(allowOtherDatabase);
    if (origin.otherDatabase()) {
      io.err()
          .println(
              "warning: "
                  + origin.difference("backup")
                  + "; loading it anyway (--allow-other-database).");
    }
    // the user types the name, having seen where the backup comes from and goes
    Confirmation.require(io, t.database(), confirm, "restore into it");

    BackupProgress progress = ProgressPrinter.forIo(io);
    Restorer restorer =
        new Restorer(
            c, contents, new RestoreOptions(selected, lockWait, progress, allowOtherDatabase));
    guard.stage(restorer::interrupt, () -> stoppedLine(restorer));
    trail.started();
    RestoreResult result;
    try {
      result = restorer.run();
    } catch (Restorer.OutcomeUnknown e) {
      throw new ExitException(
          guard.interrupted() ? ExitStatus.INTERRUPTED : e.status(),
          (guard.interrupted() ? "Interrupted while committing: " : "")
              + e.getMessage()
              + " To check: "
              + checkCommand()
              + ".",
          e);
    } finally {
      ProgressPrinter.finish(progress);
    }
    Map<String, Long> rows = new LinkedHashMap<>();
    result.tables().forEach(table -> rows.put(table.name(), table.rows()));
    trail.tables(rows).succeededAfterCommit(io.err()::println);
    if (json.json) {
      io.out().println(RestoreJson.of(file, t.display(), result));
    } else {
      print(result);
    }
    io.out().flush();
    // committed and recorded: an interrupt now only ends the run sooner
    guard.stage(() -> {}, () -> committedLine(result));
    return 0;
  }

  /** What an interrupt leaves while the restore's transaction runs, if the restore cannot say. */
  private String stoppedLine(Restorer restorer) {
    Restorer.Step step = restorer.step();
    return switch (step) {
      case COMMITTING ->
          "Interrupted while committing, and the commit has not answered: the outcome is unknown."
              + " To check: "
              + checkCommand()
              + ".";
      case COMMITTED -> "Interrupted after the commit: the restore was committed.";
      default ->
          "Interrupted while "
              + step.description()
              + ": the transaction was abandoned before its commit (the server rolls it back);"
              + " nothing was changed.";
    };
  }

  /** The line of a restore that an interrupt reached once it had committed. */
  private String committedLine(RestoreResult r) {
    return "Interrupted after the commit: the restore was committed; "
        + Counts.of(r.tables().size(), "table", "tables")
        + " ("
        + Counts.of(r.totalRows(), "row", "rows")
        + ") were loaded from "
        + file
        + (r.manifestChecked() ? ", checked against its manifest before the commit." : ".");
  }

  /** The preview that shows whether the tables hold the backup's rows: how to check an outcome. */
  private String checkCommand() {
    List<String> args = new ArrayList<>(List.of("restore", "--dry-run", file.toString()));
    args.addAll(target.sameTarget().options());
    return Program.commandLine(io.env(), args)
        + " (tables that now hold rows were restored, empty ones were not)";
  }

  /** The target's name and system identifier, read before anything is asked or changed. */
  private static DatabaseIdentity identity(Connection c, ConnectionTarget t) {
    try {
      return DatabaseIdentity.of(c);
    } catch (SQLException e) {
      throw ExitException.failure(
          "Cannot read " + t.display() + ": " + ExitException.firstLine(e) + ".", e);
    }
  }

  /** Where the backup comes from and where it goes, for the person about to confirm. */
  static List<String> originLines(BackupOrigin origin, Path file) {
    List<String> lines = new ArrayList<>();
    if (origin.manifest() == null) {
      lines.add(
          "Source: not recorded: "
              + file
              + " has no manifest beside it, so where it came from is unknown; make sure it is"
              + " the backup you mean.");
    } else if (!origin.recorded()) {
      lines.add("Source: not recorded in the manifest (written by an older prod-data-reset).");
    } else {
      lines.add("Source: " + origin.source() + ".");
    }
    lines.add("Target: " + origin.targetDescription() + ".");
    return lines;
  }

  /** {@code --dry-run}: reads only, asks nothing, records nothing in the audit log. */
  private int preview(ConnectionTarget t, Restorer.Contents contents, RestoreOptions options) {
    RestorePreview p;
    try (Connection c = new Connector(t).open()) {
      p = Restorer.preview(c, contents, options);
    } catch (SQLException e) {
      throw ExitException.failure("Closing the connection failed: " + e.getMessage(), e);
    }
    if (json.json) {
      io.out().println(RestoreJson.preview(file, t.display(), p));
    } else {
      printPreview(t, p);
    }
    io.out().flush();
    if (!p.ok()) {
      throw ExitException.refused(
          "The restore would be refused: "
              + String.join("; ", p.refusals())
              + ". Nothing was changed (dry run).");
    }
    return 0;
  }

  private void printPreview(ConnectionTarget t, RestorePreview p) {
    var out = io.out();
    out.println("Dry run: restore " + file + " into " + t.display() + " (nothing is changed)");
    for (String line : originLines(p.origin(), file)) {
      out.println(line);
    }
    out.printf(
        Locale.ROOT,
        "It would load %s, %s%s:%n",
        Counts.of(p.tables().size(), "table"),
        Counts.of(p.totalRows(), "row"),
        p.fileChecked()
            ? (p.origin().manifest() != null
                ? " (the file was read and matches its manifest)"
                : " (the file was read; no manifest to check it against)")
            : "");
    int width = Math.max(5, p.tables().stream().mapToInt(x -> x.name().length()).max().orElse(5));
    for (RestorePreview.Table table : p.tables()) {
      out.printf(
          Locale.ROOT,
          "  %-" + width + "s %,12d %-4s  %s%n",
          table.name(),
          table.rows(),
          Counts.noun(table.rows(), "row"),
          switch (table.state()) {
            case "empty" -> "target empty";
            case "missing" -> "MISSING in the target";
            default -> "target HAS ROWS";
          });
    }
    if (!p.skipped().isEmpty()) {
      out.println("Left out (--only): " + String.join(", ", p.skipped()) + ".");
    }
    if (p.sequences().isEmpty()) {
      out.println("Sequences: none.");
    } else {
      out.println("Sequences it would set (unless already beyond):");
      for (RestorePreview.Sequence q : p.sequences()) {
        out.printf(
            Locale.ROOT, "  %s = %d%s%n", q.name(), q.value(), q.isCalled() ? "" : " (not called)");
      }
    }
    for (String w : p.warnings()) {
      out.println("Warning: " + w + ".");
    }
    if (p.ok()) {
      out.println(
          AgentConsent.inspect(io.env()).agentDetected()
              ? "The restore would go ahead. Show this preview to the user, and run it only when"
                  + " they approve, with their own words in "
                  + AgentConsent.VARIABLE
                  + ":"
              : "The restore would go ahead. To run it:");
      out.print(
          RestoreHint.restoreLines(
              io.env(), file, sameOptions(), t.database(), target.sameTarget()));
    } else {
      out.println("The restore would be refused:");
      for (String r : p.refusals()) {
        out.println("  - " + r + ".");
      }
    }
  }

  /** The options of this dry run that the restore itself needs too, unquoted. */
  private List<String> sameOptions() {
    List<String> options = new ArrayList<>();
    only.forEach(name -> options.addAll(List.of("--only", name)));
    if (!lockTimeout.equals(DEFAULT_LOCK_TIMEOUT)) {
      options.addAll(List.of("--lock-timeout", lockTimeout));
    }
    if (allowOtherDatabase) {
      options.add("--allow-other-database");
    }
    if (auditLog.file != null) {
      options.addAll(List.of("--audit-log", auditLog.file.toString()));
    }
    return options;
  }

  private void print(RestoreResult r) {
    io.out()
        .printf(
            Locale.ROOT,
            "Restored %s, %s, and %s from %s in %s.%n",
            Counts.of(r.tables().size(), "table"),
            Counts.of(r.totalRows(), "row"),
            Counts.of(r.sequences().size(), "sequence"),
            file,
            Durations.elapsed(r.millis()));
    for (var table : r.tables()) {
      io.out()
          .printf(
              Locale.ROOT,
              "  %-40s %,12d %s%n",
              table.name(),
              table.rows(),
              Counts.noun(table.rows(), "row"));
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

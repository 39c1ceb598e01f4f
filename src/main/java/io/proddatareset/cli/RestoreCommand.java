package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.audit.AgentConsent;
import io.proddatareset.audit.AuditTrail;
import io.proddatareset.backup.BackupOrigin;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.RestoreOptions;
import io.proddatareset.backup.RestorePreview;
import io.proddatareset.backup.RestoreResult;
import io.proddatareset.backup.RestoreSession;
import io.proddatareset.backup.Restorer;
import io.proddatareset.backup.TableSelection;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code restore FILE}: loads a backup into empty tables, all or nothing ({@link Restorer}). */
@Command(
    name = "restore",
    description = {
      "Load a data-only backup (this tool's, or a plain pg_dump --data-only file; plain, .gz or"
          + " .zst) into existing, empty tables, in one transaction: all of it or nothing. Foreign"
          + " keys on the tables are dropped for the load and added back (which validates them),"
          + " user triggers are disabled for the load and enabled again, and with a manifest"
          + " beside the file every table's rows and SHA-256 are checked before commit. A subset"
          + " backup (backup --where) goes into the live tables instead, keys kept: see --dry-run.",
      "A backup whose manifest records another database (another name, or the same name on"
          + " another server) is refused unless --allow-other-database is given. --dry-run shows"
          + " what would be loaded where, and what would refuse it, without changing anything.",
      "Exit 0 when restored (or, with --dry-run, when it would go ahead), 3 when refused with"
          + " nothing changed (a damaged backup, tables not empty or missing, another database,"
          + " another reset or restore running), 2 for a bad path or manifest."
    })
public class RestoreCommand extends IoCommand {
  @Mixin TargetOptions target;

  @Parameters(index = "0", paramLabel = "FILE", description = "The backup to restore.")
  Path file;

  @Mixin RestoreSwitches switches;

  @Override
  public Integer call() {
    return run(target.resolve(null, io));
  }

  /** The restore into {@code t}; shared with the MCP server, which resolves the target once. */
  int run(ConnectionTarget t) {
    Duration lockWait = switches.lockWait();
    Restorer.Contents contents = Restorer.inspect(file);
    Set<TableName> selected =
        switches.only.isEmpty() ? null : TableSelection.resolve(switches.only, contents.tables());
    Connector connector = new Connector(t);
    if (switches.dryRun) {
      RestoreOptions options = switches.options(selected, lockWait, BackupProgress.NONE);
      return preview(t, RestoreSession.preview(connector, contents, options));
    }
    AuditTrail trail = AuditTrail.open(switches.auditLog.file, io.env(), "restore", t);
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
          try (RestoreSession session = RestoreSession.open(connector, contents)) {
            BackupOrigin origin = session.origin();
            io.err().print(RestoreText.intro(contents, selected, file, t.display()));
            io.err().print(RestoreText.origin(origin, file));
            origin.requireSameForRestore(switches.allowOtherDatabase);
            io.err().print(RestoreText.otherDatabaseWarning(origin));
            // the user types the name, having seen where the backup comes from and goes
            Confirmation.require(io, t.database(), switches.confirm, "restore into it");
            return restore(session, t, selected, lockWait, trail, guard);
          }
        });
  }

  private int restore(
      RestoreSession session,
      ConnectionTarget t,
      Set<TableName> selected,
      Duration lockWait,
      AuditTrail trail,
      InterruptGuard guard) {
    BackupProgress progress = ProgressPrinter.forIo(io);
    Restorer restorer = session.restorer(switches.options(selected, lockWait, progress));
    String check = RestoreText.howToCheck(io.env(), file, target.sameTarget());
    guard.stage(restorer::interrupt, () -> RestoreText.stoppedLine(restorer.step(), check));
    trail.started();
    RestoreResult result;
    try {
      result = restorer.run();
    } catch (Restorer.OutcomeUnknown e) {
      throw guard.commitUnknown(e, check);
    } finally {
      ProgressPrinter.finish(progress);
    }
    Map<String, Long> rows = new LinkedHashMap<>();
    result.tables().forEach(table -> rows.put(table.name(), table.rows()));
    trail.tables(rows).succeededAfterCommit(io.err()::println);
    io.out()
        .print(
            switches.json.json
                ? RestoreJson.of(file, t.display(), result) + "\n"
                : RestoreText.result(result, file));
    io.out().flush();
    // committed and recorded: an interrupt now only ends the run sooner
    guard.stage(() -> {}, () -> RestoreText.committedLine(result, file));
    return 0;
  }

  /** {@code --dry-run}: reads only, asks nothing, records nothing in the audit log. */
  private int preview(ConnectionTarget t, RestorePreview p) {
    if (switches.json.json) {
      io.out().println(RestoreJson.preview(file, t.display(), p));
    } else {
      List<String> same = switches.sameOptions();
      String restore =
          RestoreHint.restoreLines(io.env(), file, same, t.database(), target.sameTarget());
      boolean agent = AgentConsent.inspect(io.env()).agentDetected();
      io.out().print(RestoreText.preview(p, file, t.display(), agent, restore));
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
}

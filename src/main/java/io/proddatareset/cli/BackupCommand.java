package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.audit.AuditTrail;
import io.proddatareset.backup.BackupManifest;
import io.proddatareset.backup.BackupOptions;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.BackupResult;
import io.proddatareset.backup.Compression;
import io.proddatareset.backup.ManifestFile;
import io.proddatareset.backup.PartialFiles;
import io.proddatareset.backup.SnapshotBackup;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import io.proddatareset.plan.Policy;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code backup --output FILE}: a verified data-only backup with its manifest. */
@Command(
    name = "backup",
    description = {
      "Write a data-only backup of the tables the policy would reset (or every table with --all),"
          + " all from one snapshot, in the format of pg_dump --data-only (psql -f restores it):"
          + " plain, or compressed by the file name (.gz, .zst). The file is read back and checked"
          + " before it is kept, and FILE.manifest.json records every table's rows and SHA-256.",
      "With --output - the backup goes to stdout (for a pipe; nothing else is printed there),"
          + " plain unless --compress says otherwise, and the manifest to --manifest FILE.",
      "With --where, a subset backup: the rows a reset with the same --where would delete or"
          + " update, from one snapshot; restore puts them back into the live tables."
    })
public class BackupCommand extends IoCommand {
  @Mixin TargetOptions target;
  @Mixin UrlArgument url;
  @Mixin BackupOutput output;
  @Mixin PolicyOptions policy;
  @Mixin SubsetBackupOptions subset;

  @Option(
      names = "--all",
      description =
          "Back up every table in the schemas, instead of the tables the policy (--keep, --reset,"
              + " --policy) would reset.")
  boolean all;

  @Mixin JobsOption.ForBackup jobs;
  @Mixin JsonOption json;
  @Mixin CompressionLevelOption compressionLevel;
  @Mixin AuditLogOption auditLog;

  @Override
  public Integer call() {
    jobs.validate();
    Compression compression = output.compression();
    if (json.json && output.toStdout()) {
      throw ExitException.usage(
          "--json prints the manifest on stdout, which carries the backup with --output -: read"
              + " the manifest from --manifest FILE instead.");
    }
    Policy p = policy.policy();
    subset.checkWhat(all, output.toStdout(), p);
    int gzipLevel = output.gzipLevel(compression, compressionLevel);
    ConnectionTarget t = target.resolve(url.url, io);
    for (PartialFiles.Stale stale : PartialFiles.leftBehind(output.file())) {
      io.err().println("warning: " + stale.warning());
    }
    AuditTrail trail = AuditTrail.open(auditLog.file, io.env(), "backup", t);
    trail.backup(output.toStdout() ? "-" : output.output.toString(), null);
    return InterruptGuard.run(
        io,
        trail,
        "backup",
        "Interrupted before the backup started: no backup was written.",
        guard -> backUp(t, p, compression, gzipLevel, trail, guard));
  }

  private int backUp(
      ConnectionTarget t,
      Policy p,
      Compression compression,
      int gzipLevel,
      AuditTrail trail,
      InterruptGuard guard) {
    BackupProgress progress = ProgressPrinter.forIo(io);
    BackupOptions options =
        new BackupOptions(jobs.count(t), null, t.display(), progress).withGzipLevel(gzipLevel);
    SubsetBackupOptions.Run backup =
        subset.orWhole(
            new SnapshotBackup(
                new Connector(t),
                p.schemas(),
                all ? SnapshotBackup.allTables() : SnapshotBackup.resetTablesOf(p),
                output.destination(io.out(), compression),
                options),
            new Connector(t),
            p.schemas(),
            p,
            output.output,
            options);
    guard.stage(
        backup::interrupt,
        () ->
            "Interrupted while backing up, and the backup did not stop in time: no backup was"
                + " written; a partial file may be left beside "
                + output.file()
                + " (the next backup there names it).");
    trail.started();
    BackupResult result;
    try {
      result = backup.run();
    } finally {
      ProgressPrinter.finish(progress);
    }
    BackupManifest m = result.manifest();
    Map<String, Long> rows = new LinkedHashMap<>();
    m.tables().forEach(table -> rows.put(table.name(), table.rows()));
    trail
        .plan(m.planId(), rows)
        .backup(output.toStdout() ? "-" : result.file().toString(), m.fileSha256());
    trail.succeeded();
    if (json.json) {
      io.out().println(ManifestFile.toJson(m));
    } else {
      // with stdout carrying the backup, everything for people goes to stderr
      PrintStream text = output.toStdout() ? io.err() : io.out();
      text.print(
          BackupText.summary(
              result,
              RestoreHint.afterBackup(io.env(), result, t.database(), target.sameTarget())));
    }
    io.out().flush();
    guard.stage(
        () -> {},
        () ->
            "Interrupted at the end: the backup "
                + (result.file() == null
                    ? "was sent to stdout in full and its manifest written"
                    : "was written to " + result.file() + " and checked")
                + " (see above).");
    return 0;
  }
}

package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.backup.BackupManifest;
import io.proddatareset.backup.BackupOptions;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.BackupResult;
import io.proddatareset.backup.ManifestFile;
import io.proddatareset.backup.SnapshotBackup;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import io.proddatareset.connect.TargetParser;
import io.proddatareset.plan.Policy;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code backup --output FILE}: a verified data-only backup with its manifest. */
@Command(
    name = "backup",
    sortOptions = false,
    usageHelpAutoWidth = true,
    mixinStandardHelpOptions = true,
    description = {
      "Write a data-only backup of the tables the policy would reset (or every table with --all),"
          + " all from one snapshot, in the format of pg_dump --data-only (psql -f restores it):"
          + " plain, or compressed by the file name (.gz, .zst). The file is read back and checked"
          + " before it is kept, and FILE.manifest.json records every table's rows and SHA-256."
    })
public class BackupCommand extends IoCommand {
  @Mixin TargetOptions target;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "URL",
      description = "The database (instead of --url or DATABASE_URL).")
  String positionalUrl;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description =
          "The backup file: FILE.gz for gzip, FILE.zst for zstd, plain otherwise. An existing file"
              + " is never overwritten.")
  Path output;

  @Mixin PolicyOptions policy;

  @Option(
      names = "--all",
      description =
          "Back up every table in the schemas, instead of the tables the policy (--keep, --reset,"
              + " --policy) would reset.")
  boolean all;

  @Option(
      names = {"-j", "--jobs"},
      paramLabel = "N",
      description =
          "Copy up to N tables (or parts of a large table) at once, each on its own connection"
              + " sharing the snapshot (default: the number of cores, at most 4; half of them when"
              + " the server runs on this machine).")
  Integer jobs;

  @Option(names = "--json", description = "Print the manifest as JSON instead of a summary.")
  boolean json;

  @Mixin CompressionLevelOption compressionLevel;

  @Mixin AuditLogOption auditLog;

  @Override
  public Integer call() {
    if (jobs != null && (jobs < 1 || jobs > 64)) {
      throw ExitException.usage("--jobs must be between 1 and 64.");
    }
    Policy p = policy.policy();
    if (!all && p.empty()) {
      throw ExitException.usage(
          "Say which tables to back up: the policy options of plan (--keep, --reset, --policy)"
              + " for the tables a reset would empty, or --all for every table.");
    }
    if (all && !(p.keep().isEmpty() && p.reset().isEmpty())) {
      throw ExitException.usage("--all backs up every table: give it without --keep or --reset.");
    }
    int gzipLevel = compressionLevel.gzipLevel(output);
    ConnectionTarget t = target.resolve(positionalUrl, io);
    AuditTrail trail = AuditTrail.open(auditLog.file, io, "backup").target(t);
    trail.backup(output.toString(), null);
    trail.started();
    BackupProgress progress = ProgressPrinter.forIo(io);
    BackupOptions options =
        new BackupOptions(
                jobs == null ? BackupOptions.defaultJobs(TargetParser.isLoopback(t.host())) : jobs,
                null,
                t.display(),
                progress)
            .withGzipLevel(gzipLevel);
    BackupResult result;
    try {
      result =
          SnapshotBackup.run(
              new Connector(t),
              p.schemas(),
              all ? SnapshotBackup.allTables() : SnapshotBackup.resetTablesOf(p),
              output,
              options);
    } catch (RuntimeException e) {
      trail.ended(e);
      throw e;
    } finally {
      ProgressPrinter.finish(progress);
    }
    BackupManifest m = result.manifest();
    Map<String, Long> rows = new LinkedHashMap<>();
    m.tables().forEach(table -> rows.put(table.name(), table.rows()));
    trail.planId(m.planId()).tables(rows).backup(result.file().toString(), m.fileSha256());
    trail.succeeded();
    if (json) {
      io.out().println(ManifestFile.toJson(m));
    } else {
      printSummary(result);
    }
    return 0;
  }

  private void printSummary(BackupResult r) {
    var m = r.manifest();
    io.out()
        .printf(
            Locale.ROOT,
            "Backed up %d tables, %,d rows, from %s to %s (%s, %s) in %.1fs.%n",
            m.tables().size(),
            m.totalRows(),
            m.target() == null ? m.database() : m.target(),
            r.file(),
            m.compression(),
            Sizes.bytes(m.fileBytes()),
            r.millis() / 1000.0);
    for (var table : m.tables()) {
      io.out().printf(Locale.ROOT, "  %-40s %,12d rows%n", table.name(), table.rows());
    }
    if (!m.sequences().isEmpty()) {
      io.out().printf(Locale.ROOT, "Sequences: %d.%n", m.sequences().size());
    }
    io.out()
        .println(
            "Verified: the file was read back and every table's row count and SHA-256 match the"
                + " manifest "
                + r.manifestFile()
                + ".");
    if (m.planId() != null) {
      io.out().println("Plan id: " + m.planId() + ".");
    }
    io.out().println("Restore with: prod-data-reset restore " + r.file());
  }
}

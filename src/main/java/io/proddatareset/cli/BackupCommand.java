package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.backup.BackupOptions;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.backup.BackupResult;
import io.proddatareset.backup.ManifestFile;
import io.proddatareset.backup.SnapshotBackup;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
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
public class BackupCommand implements Callable<Integer>, Main.UsesIo {
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

  @Option(
      names = "--schema",
      paramLabel = "LIST",
      split = ",",
      description = "Schemas to back up, comma-separated or repeated (default: public).")
  List<String> schemas = new ArrayList<>();

  @Option(names = "--all", description = "Back up every table in the schemas.")
  boolean all;

  @Option(
      names = {"-j", "--jobs"},
      paramLabel = "N",
      description =
          "Copy up to N tables (or parts of a large table) at once, each on its own connection"
              + " sharing the snapshot (default: the number of cores, at most 4).")
  Integer jobs;

  @Option(names = "--json", description = "Print the manifest as JSON instead of a summary.")
  boolean json;

  private Io io;

  @Override
  public void setIo(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    if (jobs != null && (jobs < 1 || jobs > 64)) {
      throw ExitException.usage("--jobs must be between 1 and 64.");
    }
    if (!all) {
      throw ExitException.usage("Say which tables to back up: --all (policy options follow).");
    }
    ConnectionTarget t = target.resolve(positionalUrl, io);
    BackupProgress progress = ProgressPrinter.forIo(io);
    BackupOptions options =
        new BackupOptions(
            jobs == null ? BackupOptions.defaultJobs() : jobs, null, t.display(), progress, null);
    List<String> scope = schemas.isEmpty() ? List.of("public") : schemas;
    BackupResult result;
    try {
      result = SnapshotBackup.run(new Connector(t), scope, SnapshotBackup::all, output, options);
    } finally {
      ProgressPrinter.finish(progress);
    }
    if (json) {
      io.out().println(ManifestFile.toJson(result.manifest()));
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
            ProgressPrinter.human(m.fileBytes()),
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
    io.out().println("Restore with: prod-data-reset restore " + r.file());
  }
}

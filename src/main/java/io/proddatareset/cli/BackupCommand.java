package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.Durations;
import io.proddatareset.ExitException;
import io.proddatareset.Sizes;
import io.proddatareset.audit.AuditTrail;
import io.proddatareset.backup.BackupDestination;
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
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
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
          + " plain unless --compress says otherwise, and the manifest to --manifest FILE."
    })
public class BackupCommand extends IoCommand {
  @Mixin TargetOptions target;

  @Mixin UrlArgument url;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description =
          "The backup file: FILE.gz for gzip, FILE.zst for zstd, plain otherwise. An existing file"
              + " is never overwritten. - writes the backup to stdout (with --manifest).")
  Path output;

  @Option(
      names = "--manifest",
      paramLabel = "FILE",
      description =
          "With --output -: where to write the manifest (required then; never overwritten). A"
              + " backup file's manifest is always FILE.manifest.json beside it.")
  Path manifest;

  @Option(
      names = "--compress",
      paramLabel = "KIND",
      description =
          "plain, gzip or zstd. With --output - it chooses the stream's compression (default:"
              + " plain); with a file name the name decides, and --compress must agree with it.")
  String compress;

  @Mixin PolicyOptions policy;

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
    boolean toStdout = output.toString().equals("-");
    Compression compression = compression(toStdout);
    if (json.json && toStdout) {
      throw ExitException.usage(
          "--json prints the manifest on stdout, which carries the backup with --output -: read"
              + " the manifest from --manifest FILE instead.");
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
    int gzipLevel = gzipLevel(toStdout, compression);
    ConnectionTarget t = target.resolve(url.url, io);
    // with stdout carrying the backup, everything for people goes to stderr
    PrintStream text = toStdout ? io.err() : io.out();
    for (PartialFiles.Stale stale : PartialFiles.leftBehind(toStdout ? manifest : output)) {
      io.err().println("warning: " + stale.warning());
    }
    AuditTrail trail = AuditTrail.open(auditLog.file, io.env(), "backup", t);
    trail.backup(toStdout ? "-" : output.toString(), null);
    return InterruptGuard.run(
        io,
        trail,
        "backup",
        "Interrupted before the backup started: no backup was written.",
        guard -> backUp(t, p, toStdout, compression, gzipLevel, text, trail, guard));
  }

  private int backUp(
      ConnectionTarget t,
      Policy p,
      boolean toStdout,
      Compression compression,
      int gzipLevel,
      PrintStream text,
      AuditTrail trail,
      InterruptGuard guard) {
    BackupProgress progress = ProgressPrinter.forIo(io);
    BackupOptions options =
        new BackupOptions(jobs.count(t), null, t.display(), progress).withGzipLevel(gzipLevel);
    SnapshotBackup backup =
        new SnapshotBackup(
            new Connector(t),
            p.schemas(),
            all ? SnapshotBackup.allTables() : SnapshotBackup.resetTablesOf(p),
            toStdout
                ? BackupDestination.stream(new CheckedStdout(io.out()), compression, manifest)
                : BackupDestination.file(output),
            options);
    guard.stage(
        backup::interrupt,
        () ->
            "Interrupted while backing up, and the backup did not stop in time: no backup was"
                + " written; a partial file may be left beside "
                + (toStdout ? manifest : output)
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
    trail.plan(m.planId(), rows).backup(toStdout ? "-" : result.file().toString(), m.fileSha256());
    trail.succeeded();
    if (json.json) {
      io.out().println(ManifestFile.toJson(m));
    } else {
      printSummary(text, result, t.database());
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

  /**
   * The compression: by the file's name, which {@code --compress} must agree with; for stdout, what
   * {@code --compress} says (plain by default).
   */
  private Compression compression(boolean toStdout) {
    Compression asked = null;
    if (compress != null) {
      asked =
          switch (compress.toLowerCase(Locale.ROOT)) {
            case "plain", "none" -> Compression.NONE;
            case "gzip", "gz" -> Compression.GZIP;
            case "zstd", "zst" -> Compression.ZSTD;
            default ->
                throw ExitException.usage(
                    "--compress takes plain, gzip or zstd, not '" + compress + "'.");
          };
    }
    if (toStdout) {
      if (manifest == null) {
        throw ExitException.usage(
            "--output - writes the backup to stdout: say where its manifest goes with --manifest"
                + " FILE.");
      }
      return asked == null ? Compression.NONE : asked;
    }
    if (manifest != null) {
      throw ExitException.usage(
          "--manifest goes with --output -: the manifest of "
              + output
              + " is always "
              + ManifestFile.pathFor(output).getFileName()
              + " beside it.");
    }
    Compression byName = Compression.forFile(output);
    if (asked != null && asked != byName) {
      throw ExitException.usage(
          "--compress "
              + compress
              + " contradicts the file name: "
              + output.getFileName()
              + " is written "
              + byName.label()
              + " (name it .gz for gzip, .zst for zstd, anything else for plain).");
    }
    return byName;
  }

  private int gzipLevel(boolean toStdout, Compression compression) {
    if (!toStdout) {
      return compressionLevel.gzipLevel(output);
    }
    if (compressionLevel.level != null && compression != Compression.GZIP) {
      throw ExitException.usage(
          "--compression-level is for gzip backups: with --output - give --compress gzip.");
    }
    return compressionLevel.gzipLevel(Path.of("stdout.gz"));
  }

  private void printSummary(PrintStream text, BackupResult r, String database) {
    var m = r.manifest();
    text.printf(
        Locale.ROOT,
        "Backed up %s, %s, from %s to %s (%s, %s) in %s.%n",
        Counts.of(m.tables().size(), "table"),
        Counts.of(m.totalRows(), "row"),
        m.target() == null ? m.database() : m.target(),
        r.file() == null ? "stdout" : r.file(),
        m.compression(),
        Sizes.bytes(m.fileBytes()),
        Durations.elapsed(r.millis()));
    for (var table : m.tables()) {
      text.printf(
          Locale.ROOT,
          "  %-40s %,12d %s%n",
          table.name(),
          table.rows(),
          Counts.noun(table.rows(), "row"));
    }
    if (!m.sequences().isEmpty()) {
      text.printf(Locale.ROOT, "Sequences: %d.%n", m.sequences().size());
    }
    if (r.file() == null) {
      text.println(
          "Not read back: a stream cannot be. The bytes were checked as they were sent, and the"
              + " manifest "
              + r.manifestFile()
              + " records their size and SHA-256: keep it beside the saved stream, named"
              + " FILE.manifest.json, so that restore checks the file against it.");
    } else {
      text.println(
          "Verified: the file was read back and every table's row count and SHA-256 match the"
              + " manifest "
              + r.manifestFile()
              + ".");
    }
    if (m.planId() != null) {
      text.println("Plan id: " + m.planId() + ".");
    }
    text.print(
        r.file() == null
            ? RestoreHint.render(
                io.env(),
                "restore the saved stream later (FILE below, with the manifest beside it as"
                    + " FILE.manifest.json)",
                Path.of("FILE"),
                database,
                target.sameTarget())
            : RestoreHint.render(
                io.env(),
                "restore this backup",
                r.file().toAbsolutePath().normalize(),
                database,
                target.sameTarget()));
  }

  /**
   * stdout for the backup's bytes. A {@link PrintStream} swallows write errors (a closed pipe):
   * this turns them into an {@link IOException}, so that a backup cut off by its reader fails.
   */
  private static final class CheckedStdout extends OutputStream {
    private final PrintStream out;

    CheckedStdout(PrintStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      check();
    }

    @Override
    public void flush() throws IOException {
      out.flush();
      check();
    }

    private void check() throws IOException {
      if (out.checkError()) {
        throw new IOException("cannot write to stdout (was the pipe closed?)");
      }
    }
  }
}

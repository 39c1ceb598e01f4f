package io.proddatareset.backup;

import io.proddatareset.ToolVersion;
import io.proddatareset.catalog.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The manifest as the copy produced it, before the check adds the file's size and SHA-256 ({@link
 * BackupVerifier#check}); and a head start for the JSON library it is written with.
 */
final class DraftManifest {
  private DraftManifest() {}

  /** What {@code copied} holds so far, for {@code tables} in file order; nothing appended. */
  static BackupManifest of(
      List<Table> tables,
      List<CopiedTable> copied,
      SnapshotFacts facts,
      BackupOptions options,
      Path file,
      Compression compression) {
    return of(
        tables,
        copied,
        null,
        facts,
        new ArrayList<>(facts.sequences().values()),
        options.kept(),
        options,
        file,
        compression);
  }

  /**
   * What {@code copied} and the blocks appended after it hold, for {@code tables} in file order.
   *
   * @param appended per table, the blocks appended after its first, in file order; null for a table
   *     nothing was appended to (null for all: nothing appended)
   */
  static BackupManifest of(
      List<Table> tables,
      List<CopiedTable> copied,
      List<List<AppendedBlock>> appended,
      SnapshotFacts facts,
      List<BackupManifest.SequenceEntry> sequences,
      List<BackupManifest.KeptEntry> kept,
      BackupOptions options,
      Path file,
      Compression compression) {
    List<BackupManifest.TableEntry> entries = new ArrayList<>();
    for (int i = 0; i < tables.size(); i++) {
      Table t = tables.get(i);
      CopiedTable.Totals c = copied.get(i).totals();
      boolean single = c.parts().size() == 1;
      String firstSha256 = single ? c.parts().get(0).sha256() : null;
      List<AppendedBlock> later = appended == null ? null : appended.get(i);
      long rows = c.rows();
      long bytes = c.bytes();
      List<BackupManifest.BlockEntry> blocks = null;
      Long appendedRows = null;
      if (later != null) {
        appendedRows = later.stream().mapToLong(AppendedBlock::rows).sum();
        rows += appendedRows;
        bytes += later.stream().mapToLong(AppendedBlock::bytes).sum();
        if (!later.isEmpty()) {
          // the table's SHA-256 over all its blocks, and that of a first block copied in parts,
          // are the check's: it reads them back
          blocks = new ArrayList<>();
          blocks.add(new BackupManifest.BlockEntry(c.rows(), firstSha256));
          for (AppendedBlock b : later) {
            blocks.add(new BackupManifest.BlockEntry(b.rows(), b.sha256()));
          }
        }
      }
      entries.add(
          new BackupManifest.TableEntry(
              t.name().display(),
              t.name().schema(),
              t.name().name(),
              t.storedColumns().stream().map(col -> col.name()).toList(),
              rows,
              bytes,
              blocks == null ? firstSha256 : null,
              single ? null : c.parts(),
              blocks,
              appendedRows,
              null,
              null,
              null));
    }
    return new BackupManifest(
        BackupManifest.formatVersionFor(entries),
        BackupFormat.PRODUCER + " " + ToolVersion.get(),
        options.target(),
        facts.database(),
        facts.serverVersion(),
        facts.systemIdentifier(),
        facts.snapshotTime(),
        options.planId(),
        file == null ? "-" : file.getFileName().toString(),
        compression.label(),
        0,
        null,
        entries,
        sequences,
        kept,
        null,
        null);
  }

  /** A COPY block appended after a table's first: its rows, data size and SHA-256. */
  record AppendedBlock(long rows, long bytes, String sha256) {}

  /**
   * Loads the JSON library the manifest is written with (a quarter of a second of class loading) on
   * another thread while the copy runs, by writing {@code sample} to nowhere. Nothing else uses
   * that library until {@link #awaitPreload}, so the two threads never load its classes at the same
   * time.
   */
  static Thread preload(BackupManifest sample) {
    Thread t =
        new Thread(
            () -> {
              try {
                ManifestFile.toJson(sample);
              } catch (RuntimeException | LinkageError ignored) {
                // only a head start: the manifest is written, and fails loudly, later
              }
            },
            "backup-preload");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
    return t;
  }

  /** Waits for the preload thread, if any, keeping an interrupt for the caller. */
  static void awaitPreload(Thread preload) {
    if (preload == null) {
      return;
    }
    boolean interrupted = false;
    while (true) {
      try {
        preload.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}

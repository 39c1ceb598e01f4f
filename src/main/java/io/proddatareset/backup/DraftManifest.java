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

  /** What {@code copied} holds so far, for {@code tables} in file order. */
  static BackupManifest of(
      List<Table> tables,
      List<CopiedTable> copied,
      SnapshotFacts facts,
      BackupOptions options,
      Path file,
      Compression compression) {
    List<BackupManifest.TableEntry> entries = new ArrayList<>();
    for (int i = 0; i < tables.size(); i++) {
      Table t = tables.get(i);
      CopiedTable.Totals c = copied.get(i).totals();
      boolean single = c.parts().size() == 1;
      entries.add(
          new BackupManifest.TableEntry(
              t.name().display(),
              t.name().schema(),
              t.name().name(),
              t.storedColumns().stream().map(col -> col.name()).toList(),
              c.rows(),
              c.bytes(),
              single ? c.parts().get(0).sha256() : null,
              single ? null : c.parts()));
    }
    return new BackupManifest(
        BackupManifest.FORMAT_VERSION,
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
        new ArrayList<>(facts.sequences().values()),
        options.kept());
  }

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

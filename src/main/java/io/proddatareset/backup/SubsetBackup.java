package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.ToolVersion;
import io.proddatareset.catalog.Table;
import io.proddatareset.pg.ServerInfo;
import io.proddatareset.pg.SessionSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.postgresql.PGConnection;

/**
 * A subset backup being written: the rows a subset reset deletes and the pre-images of the rows it
 * updates, one COPY block per {@link SubsetEntry}, in the order a restore into live tables loads
 * them (delete entries parents first, then update entries), in the format of {@code pg_dump
 * --data-only} (plain, gzip or zstd by the file's extension). Its manifest has {@code
 * formatVersion} {@value BackupManifest#SUBSET_FORMAT_VERSION} and a {@code subset} section.
 *
 * <p>Use: {@link #begin}, then {@link #copy} once per entry in the order given, then {@link
 * #finish}; {@link #close} (try-with-resources) removes everything unless it finished. Every block
 * is written, even an empty one, so that the file's blocks and the manifest's entries pair one to
 * one.
 *
 * <p>Files: as {@link BackupWriter#write}: the data goes to a hidden partial file beside {@code
 * file} ({@link PartialFiles}), is synced, read back and compared with what was copied, and only
 * then linked into place, with {@code FILE.manifest.json} beside it. An existing file is never
 * overwritten. On any failure the partial file is removed and one {@link ExitException} says so.
 * The target recorded is the options' (already redacted: never a password).
 *
 * <p>Not thread-safe: one caller, one call at a time. After a method threw, later calls throw
 * {@link IllegalStateException}.
 */
public final class SubsetBackup implements AutoCloseable {
  private final List<SubsetEntry> entries;
  private final SubsetInfo subset;
  private final BackupOptions options;
  private final FileOutput output;
  private final Compression compression;
  private final long started = System.nanoTime();
  private final List<DraftManifest.AppendedBlock> written = new ArrayList<>();
  private Compressors compressors;
  private OutputStream out;
  private ServerInfo server;
  private boolean finished;
  private boolean failed;
  // the file's sync, read back and comparison ({@link #finishing}), once started
  private FutureTask<BackupManifest> checking;

  private SubsetBackup(
      Path file, BackupOptions options, List<SubsetEntry> entries, SubsetInfo subset) {
    this.entries = List.copyOf(entries);
    this.subset = subset;
    this.options = options;
    BackupDestination destination = BackupDestination.file(file);
    this.output = new FileOutput(destination);
    this.compression = destination.compression();
  }

  /**
   * Checks {@code file} (USAGE when it exists, its manifest exists or its directory does not),
   * reads the server's facts over {@code conn} and writes the header to a partial file.
   *
   * <p>Transaction: {@code conn} is the caller's, with auto-commit off; only read here, never
   * committed or rolled back.
   *
   * @param entries every block the backup will hold, in file order
   * @param subset the manifest's subset section
   * @throws ExitException USAGE for a path that cannot be used, FAILURE when the header cannot be
   *     written (nothing is left behind)
   */
  public static SubsetBackup begin(
      Connection conn,
      Path file,
      BackupOptions options,
      List<SubsetEntry> entries,
      SubsetInfo subset) {
    BackupWriter.requireTransaction(conn);
    java.util.Objects.requireNonNull(subset, "a subset backup's manifest records its selection");
    SubsetBackup b = new SubsetBackup(file, options, entries, subset);
    b.start(conn);
    return b;
  }

  private void start(Connection conn) {
    output.checkDestination();
    try {
      server = ServerInfo.read(conn);
      compressors = new Compressors(compression, options.gzipLevel());
      out = output.open();
      writeMember(
          (BackupFormat.header(server.version(), ToolVersion.get())
                  + BackupFormat.SUBSET_MARK
                  + "\n\n")
              .getBytes(StandardCharsets.UTF_8));
    } catch (Exception | Error e) {
      throw fail("writing the header", e);
    }
  }

  /**
   * Writes the block of {@code entry} (the next one of the entries given to {@link #begin}): the
   * rows of {@code COPY (SELECT columns FROM [ONLY] table WHERE rowCondition) TO STDOUT}, run on
   * {@code conn}, as its transaction sees them; a block is written even when there are no rows.
   *
   * <p>Transaction: {@code conn} is the caller's, in an open transaction (the reset's, or the
   * backup's snapshot); never committed or rolled back. For the COPY it sets {@code search_path},
   * {@code intervalstyle} and {@code extra_float_digits} as pg_dump does and {@code row_security}
   * off, and puts the caller's values back after it. After a failure the transaction may be aborted
   * (the caller rolls it back) and the partial file has been removed.
   *
   * @param rowCondition SQL text of a condition on the table's rows ({@code tableoid}, {@code ctid}
   *     unqualified: e.g. {@link io.proddatareset.plan.RowClosure.Result#rowsCondition}); it is put
   *     in the query as it is, so it must never hold user input
   * @return the rows written
   * @throws IllegalArgumentException when {@code entry} is not the next entry
   * @throws ExitException FAILURE when the copy or the write failed (the partial file was removed)
   */
  public long copy(Connection conn, SubsetEntry entry, String rowCondition) {
    return copyQuery(conn, entry, CopyStatement.copyOut(entry.table(), rowCondition));
  }

  /**
   * As {@link #copy}, for a delete entry whose rows are deleted as they are copied: {@code COPY
   * (DELETE FROM [ONLY] table WHERE rowCondition RETURNING columns) TO STDOUT}, so that the block
   * holds exactly the rows deleted. The caller's transaction must not commit unless the backup is
   * finished ({@link #finish}, {@link Finishing#await}); after a failure here it is aborted: roll
   * it back. Only for rows whose delete changes nothing else (no trigger, nothing referencing
   * them).
   *
   * @return the rows written, which are the rows deleted
   * @throws IllegalArgumentException when {@code entry} is not the next entry, or not a delete
   *     entry
   * @throws ExitException as {@link #copy}
   */
  public long copyDeleting(Connection conn, SubsetEntry entry, String rowCondition) {
    if (!entry.deletes()) {
      throw new IllegalArgumentException("only a delete entry's rows are deleted as copied");
    }
    return copyQuery(conn, entry, CopyStatement.deleteOut(entry.table(), rowCondition));
  }

  private long copyQuery(Connection conn, SubsetEntry entry, String sql) {
    requireOpen();
    if (written.size() >= entries.size() || !entries.get(written.size()).equals(entry)) {
      throw new IllegalArgumentException(
          "entries are copied in the order given to begin: expected "
              + (written.size() < entries.size() ? describe(entries.get(written.size())) : "none")
              + ", got "
              + describe(entry));
    }
    Table t = entry.table();
    try {
      String[] before = SessionSettings.set(conn, COPY_SETTINGS);
      OutputStream member = compressors.member(out);
      member.write(
          BackupFormat.blockHeader(t.name(), new CopyStatement(t.name(), columns(t)))
              .getBytes(StandardCharsets.UTF_8));
      CountingDigest data = new CountingDigest(member, t.name(), options.progress());
      long rows = conn.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, data);
      data.finish(rows);
      member.write(BackupFormat.END_OF_DATA);
      member.close();
      SessionSettings.pin(conn, before);
      written.add(new DraftManifest.AppendedBlock(rows, data.bytes(), data.sha256()));
      return rows;
    } catch (Exception | Error e) {
      throw fail("copying the " + entry.action().label() + "d rows of " + t.name().display(), e);
    }
  }

  /**
   * Writes the sequences' values as {@code conn} sees them now and the footer, syncs the file,
   * reads it back and compares every block with what was copied, and puts the file and its manifest
   * in place. {@code conn} only reads (the caller's open transaction; never committed or rolled
   * back).
   *
   * @throws IllegalStateException when not every entry was copied
   * @throws ExitException REFUSED when the file did not read back as written, FAILURE when writing
   *     failed; the partial file is removed
   */
  public BackupResult finish(Connection conn) {
    return finishing(conn).await();
  }

  /**
   * As {@link #finish}, in two steps, so that the caller can go on meanwhile: the sequences and the
   * footer are written now, on {@code conn}; the file is then synced, read back and compared on a
   * thread of its own, while the caller's transaction goes on (its other statements), and {@link
   * Finishing#await} waits for that and puts the file in place. {@code conn} is not used by the
   * thread. The caller must not commit before {@link Finishing#await} returned; {@link #close}
   * waits for the thread and removes everything unless it did.
   *
   * @throws IllegalStateException when not every entry was copied
   * @throws ExitException FAILURE when the sequences or the footer cannot be written
   */
  public Finishing finishing(Connection conn) {
    requireOpen();
    if (written.size() != entries.size()) {
      throw new IllegalStateException(
          "copied " + written.size() + " of the backup's " + entries.size() + " entries");
    }
    List<BackupManifest.SequenceEntry> sequences;
    try {
      List<Table> tables = entries.stream().map(SubsetEntry::table).distinct().toList();
      sequences = new ArrayList<>(SnapshotFacts.sequences(conn, tables).values());
      writeMember(BackupFormat.sequencesAndFooter(sequences).getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (Exception | Error e) {
      throw fail("writing the sequences", e);
    }
    checking = new FutureTask<>(() -> checked(sequences));
    Thread thread = new Thread(checking, "pdr-subset-backup-check");
    thread.setDaemon(true);
    thread.start();
    return new Finishing();
  }

  /** The check {@link #finishing} started; {@link #await} it once. */
  public final class Finishing {
    private Finishing() {}

    /**
     * Waits until the file is synced, read back and compared, then puts it and its manifest in
     * place.
     *
     * @throws ExitException REFUSED when the file did not read back as written, FAILURE when
     *     syncing, reading or saving failed; the partial file is removed
     */
    public BackupResult await() {
      requireOpen();
      BackupManifest manifest;
      try {
        manifest = checking.get();
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        throw cause instanceof StageFailure f ? fail(f.stage, f.getCause()) : fail("verifying", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw fail("verifying", e);
      }
      try {
        output.publish(manifest);
        finished = true;
        compressors.close();
        return new BackupResult(
            output.file(),
            output.manifestPath(),
            manifest,
            1,
            entries.size(),
            (System.nanoTime() - started) / 1_000_000);
      } catch (Exception | Error e) {
        throw fail("saving", e);
      }
    }
  }

  /** On the check's thread: syncs, reads the file back and compares; the manifest to save. */
  private BackupManifest checked(List<BackupManifest.SequenceEntry> sequences) {
    String stage = "writing the sequences";
    try {
      output.finishWriting();
      stage = "verifying";
      output.requireCheckable();
      options.progress().phase("verifying the backup");
      BackupReader.Summary summary;
      try (InputStream in = Files.newInputStream(output.partial())) {
        summary = BackupReader.read(in, BackupReader.SCAN);
      } catch (BackupFormatException e) {
        throw BackupVerifier.failed(e.getMessage());
      }
      BackupManifest manifest = manifest(summary, sequences);
      List<String> problems = ManifestCheck.problems(summary, manifest);
      for (int i = 0; i < Math.min(summary.blocks().size(), written.size()); i++) {
        if (!summary.blocks().get(i).sha256().equals(written.get(i).sha256())) {
          problems.add("COPY block " + (i + 1) + "'s SHA-256 differs from what was copied");
        }
      }
      if (!problems.isEmpty()) {
        throw BackupVerifier.failed(String.join("; ", problems));
      }
      return manifest;
    } catch (Exception | Error e) {
      throw new StageFailure(stage, e);
    }
  }

  /** A failure of the check's thread, with the stage it failed in. */
  private static final class StageFailure extends RuntimeException {
    private final String stage;

    StageFailure(String stage, Throwable cause) {
      super(cause);
      this.stage = stage;
    }
  }

  /** The manifest: the file as read back, and each entry with what its copy produced. */
  private BackupManifest manifest(
      BackupReader.Summary summary, List<BackupManifest.SequenceEntry> sequences) {
    List<BackupManifest.TableEntry> tables = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      SubsetEntry e = entries.get(i);
      DraftManifest.AppendedBlock b = written.get(i);
      tables.add(
          new BackupManifest.TableEntry(
              e.table().name().display(),
              e.table().name().schema(),
              e.table().name().name(),
              columns(e.table()),
              b.rows(),
              b.bytes(),
              b.sha256(),
              null,
              null,
              null,
              e.action().label(),
              e.key(),
              e.deletes() ? null : e.updatedColumns()));
    }
    return new BackupManifest(
        BackupManifest.SUBSET_FORMAT_VERSION,
        BackupFormat.PRODUCER + " " + ToolVersion.get(),
        options.target(),
        server.database(),
        server.version(),
        server.systemIdentifier(),
        server.clock().toString(),
        options.planId(),
        output.file().getFileName().toString(),
        compression.label(),
        summary.fileBytes(),
        summary.fileSha256(),
        tables,
        sequences,
        options.kept(),
        null,
        subset);
  }

  /**
   * When the backup was not finished: removes its partial file, after the check's thread (of {@link
   * #finishing}) is done with it. Does nothing after a finish.
   */
  @Override
  public void close() {
    if (!finished && !failed) {
      failed = true;
      if (checking != null) {
        try {
          checking.get();
        } catch (ExecutionException ignored) {
          // it failed: the file goes anyway
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      cleanUp();
    }
  }

  private static final String[] COPY_SETTINGS = copySettings();

  private static String[] copySettings() {
    String[] all = Arrays.copyOf(SessionSettings.COPY_TEXT, SessionSettings.COPY_TEXT.length + 2);
    all[all.length - 2] = "row_security";
    all[all.length - 1] = "off";
    return all;
  }

  private void writeMember(byte[] content) throws IOException {
    try (OutputStream member = compressors.member(out)) {
      member.write(content);
    }
  }

  private static List<String> columns(Table t) {
    return SubsetEntries.columns(t);
  }

  private static String describe(SubsetEntry e) {
    return e.table().name().display() + " (" + e.action().label() + ")";
  }

  private void requireOpen() {
    if (finished || failed) {
      throw new IllegalStateException(finished ? "the backup is finished" : "the backup failed");
    }
  }

  private void cleanUp() {
    if (compressors != null) {
      compressors.close();
    }
    output.discard();
  }

  private RuntimeException fail(String stage, Throwable e) {
    failed = true;
    cleanUp();
    if (e instanceof ExitException x) {
      return x;
    }
    String reason =
        e instanceof IOException io
            ? WriteRun.ioReason(io)
            : e instanceof SQLException sql ? ExitException.firstLine(sql) : null;
    if (reason == null) {
      if (e instanceof Error err) {
        throw err;
      }
      return e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
    return output.failed(stage, reason, e);
  }
}

package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.ToolVersion;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.SessionSettings;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.postgresql.PGConnection;

/**
 * One backup, from the first query to the published file and manifest: reads the snapshot's facts,
 * plans the parts, copies them into an {@link OrderedFileAssembler} (part 0 is the header, then the
 * tables' parts, then the sequences and the footer) while the check reads them back, compares and
 * publishes. What differs between a file and a stream is its {@link WriteOutput}'s. On any failure
 * it stops the check and the copy, removes what it can and throws one {@link ExitException}.
 */
final class WriteRun {
  private final Connection main;
  private final Supplier<Connection> workerConnections;
  private final List<Table> tables;
  private final WriteOutput output;
  private final Compression compression;
  private final BackupOptions options;
  private final BackupTuning tuning;
  private final long started = System.nanoTime();

  // set as the run goes, for the clean-up after a failure
  private OrderedFileAssembler assembler;
  private List<CopiedTable> copied;
  private Future<BackupVerifier.Reading> check;
  private Thread preload;
  private Compressors compressors;
  private SnapshotFacts facts;
  private int partCount;
  // per table, the blocks appended after its first; null for a table nothing was appended to
  private final List<List<DraftManifest.AppendedBlock>> appended = new ArrayList<>();
  private State state = State.NEW;

  private enum State {
    NEW,
    COPIED,
    FINISHED,
    FAILED
  }

  WriteRun(
      Connection main,
      Supplier<Connection> workerConnections,
      List<Table> tables,
      WriteOutput output,
      Compression compression,
      BackupOptions options,
      BackupTuning tuning) {
    this.main = main;
    this.workerConnections = workerConnections;
    this.tables = List.copyOf(tables);
    this.output = output;
    this.compression = compression;
    this.options = options;
    this.tuning = tuning;
    this.tables.forEach(t -> appended.add(null));
  }

  /** The whole backup: every table, the sequences on the same connection, the check, publish. */
  BackupResult execute() {
    begin();
    return finish(main, null);
  }

  /**
   * Checks the destination, writes the header and every table as the main connection's snapshot
   * sees it (the workers are closed when it returns); the sequences, the footer and the check are
   * {@link #finish}'s. On a failure it cleans up and throws.
   */
  void begin() {
    if (state != State.NEW) {
      throw new IllegalStateException("the backup has begun already");
    }
    output.checkDestination();
    String stage = "preparing";
    try {
      compressors = new Compressors(compression, options.gzipLevel());
      facts = SnapshotFacts.read(main, tables);
      List<CopyParts.Part> parts =
          CopyParts.plan(
              main, tables, options.jobs(), facts.serverVersionNum(), tuning.partPages());
      partCount = parts.size();
      assembler =
          new OrderedFileAssembler(
              output.open(),
              parts.size() + 1,
              output.spillDir(),
              tuning.memoryPerPart(),
              tuning.memoryTotal());
      copied = CopiedTable.forParts(tables.size(), parts);
      check = output.startCheck(assembler, copied, tuning.readBack());
      preload = DraftManifest.preload(draft(facts.sequences().values(), options.kept()));
      stage = "writing";
      output.sending();
      compressors.writeWhole(
          assembler,
          0,
          BackupFormat.header(facts.serverVersion(), ToolVersion.get())
              .getBytes(StandardCharsets.UTF_8));
      new PartCopier(
              main,
              workerConnections,
              tables,
              compressors,
              options.progress(),
              tuning.workerLockTimeout())
          .copyAll(parts, options.jobs(), assembler, copied);
      SessionSettings.pin(main, facts.callerTextSettings());
      state = State.COPIED;
    } catch (Exception | Error e) {
      throw fail(stage, e);
    }
  }

  /** The rows copied so far of the table named {@code name}, in all its blocks. */
  long rows(TableName name) {
    if (state == State.NEW) {
      throw new IllegalStateException("the backup has not begun");
    }
    int i = indexOf(name);
    long rows = copied.get(i).totals().rows();
    List<DraftManifest.AppendedBlock> later = appended.get(i);
    return later == null ? rows : rows + later.stream().mapToLong(b -> b.rows()).sum();
  }

  /**
   * Appends the rows of {@code table} that {@code rowCondition} selects, as {@code conn}'s
   * transaction sees them, as a further COPY block of the table (none when there are no such rows);
   * returns how many.
   */
  long append(Connection conn, Table table, String rowCondition) {
    requireCopied();
    if (output.streamed()) {
      throw new IllegalStateException("a streamed backup cannot take appended rows");
    }
    int i = indexOf(table.name());
    Table t = tables.get(i);
    String stage = "appending the rows of " + t.name().display() + " written since its copy";
    try {
      String[] before = SessionSettings.set(conn, APPEND_SETTINGS);
      long rows = appendBlock(conn, i, t, rowCondition);
      SessionSettings.pin(conn, before);
      return rows;
    } catch (Exception | Error e) {
      throw fail(stage, e);
    }
  }

  /** What an appending COPY needs: pg_dump's text settings, and every row whatever the policies. */
  private static final String[] APPEND_SETTINGS = appendSettings();

  private static String[] appendSettings() {
    String[] all =
        java.util.Arrays.copyOf(SessionSettings.COPY_TEXT, SessionSettings.COPY_TEXT.length + 2);
    all[all.length - 2] = "row_security";
    all[all.length - 1] = "off";
    return all;
  }

  private long appendBlock(Connection conn, int i, Table t, String rowCondition)
      throws IOException, SQLException {
    String sql = CopyStatement.copyOut(t, rowCondition);
    int index = assembler.addPart();
    OutputStream partOut = assembler.open(index);
    BufferedOutputStream buffered = new BufferedOutputStream(partOut, 1 << 16);
    byte[] header =
        BackupFormat.blockHeader(
                t.name(),
                new CopyStatement(t.name(), t.storedColumns().stream().map(c -> c.name()).toList()))
            .getBytes(StandardCharsets.UTF_8);
    // the block is started by its first row: a table without new rows gets no block
    LazyBlock block = new LazyBlock(buffered, header);
    CountingDigest data = new CountingDigest(block, t.name(), options.progress());
    // a failure names the table in its stage
    long rows = conn.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, data);
    data.finish(rows);
    block.end();
    buffered.flush();
    partOut.close();
    List<DraftManifest.AppendedBlock> later = appended.get(i);
    if (later == null) {
      later = new ArrayList<>();
      appended.set(i, later);
    }
    if (rows > 0) {
      later.add(new DraftManifest.AppendedBlock(rows, data.bytes(), data.sha256()));
    }
    return rows;
  }

  /** A COPY block that writes its header and opens its compressed member at its first byte. */
  private final class LazyBlock extends BulkStreams.Output {
    private final OutputStream part;
    private final byte[] header;
    private OutputStream member;

    LazyBlock(OutputStream part, byte[] header) {
      this.part = part;
      this.header = header;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return;
      }
      if (member == null) {
        member = compressors.member(part);
        member.write(header);
      }
      member.write(b, off, len);
    }

    /** Ends the block, if it was started: the end-of-data line, then the member. */
    void end() throws IOException {
      if (member != null) {
        member.write(BackupFormat.END_OF_DATA);
        member.close();
      }
    }
  }

  /**
   * The sequences as {@code conn} sees them now, the footer, the check of every block read back,
   * the manifest with {@code kept} (or the options' when null), and the file put in place.
   */
  BackupResult finish(Connection conn, List<BackupManifest.KeptEntry> kept) {
    requireCopied();
    String stage = "writing";
    try {
      List<BackupManifest.SequenceEntry> sequences =
          new ArrayList<>(SnapshotFacts.sequences(conn, tables).values());
      compressors.writeWhole(
          assembler,
          assembler.addPart(),
          BackupFormat.sequencesAndFooter(sequences).getBytes(StandardCharsets.UTF_8));
      if (!assembler.complete()) {
        throw new IllegalStateException("a part of the backup was not written");
      }
      assembler.finish();
      output.finishWriting();
      BackupManifest draft = draft(sequences, kept == null ? options.kept() : kept);
      stage = output.checkStage();
      options.progress().phase(output.checkPhase());
      output.requireCheckable();
      BackupManifest verified =
          BackupVerifier.check(
              ReadBackCheck.await(check, output.streamed()),
              draft,
              assembler.written(),
              output.streamed());
      stage = output.saveStage();
      awaitPreload();
      output.publish(verified);
      state = State.FINISHED;
      return new BackupResult(
          output.file(),
          output.manifestPath(),
          verified,
          Math.min(options.jobs(), Math.max(1, partCount)),
          partCount,
          (System.nanoTime() - started) / 1_000_000);
    } catch (Exception | Error e) {
      throw fail(stage, e);
    } finally {
      if (state == State.FINISHED) {
        compressors.close();
      }
    }
  }

  /** Stops a backup that was not finished and removes what it wrote; nothing after a failure. */
  void abandon() {
    if (state == State.NEW || state == State.COPIED) {
      state = State.FAILED;
      cleanUp();
      if (compressors != null) {
        compressors.close();
      }
      awaitPreload();
    }
  }

  private void requireCopied() {
    if (state != State.COPIED) {
      throw new IllegalStateException(
          switch (state) {
            case NEW -> "the backup has not begun";
            case FINISHED -> "the backup is finished";
            default -> "the backup failed";
          });
    }
  }

  private int indexOf(TableName name) {
    for (int i = 0; i < tables.size(); i++) {
      if (tables.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(name.display() + " is not one of the backup's tables");
  }

  /**
   * After a failure: stops the check and the copy, removes what was written and returns what to
   * throw.
   */
  private RuntimeException fail(String stage, Throwable e) {
    state = State.FAILED;
    cleanUp();
    if (compressors != null) {
      compressors.close();
    }
    awaitPreload();
    if (e instanceof ExitException x) {
      return output.explain(x);
    }
    if (e instanceof IOException io) {
      ExitException checkFailed = ReadBackCheck.failure(check, output.streamed());
      if (checkFailed != null) {
        return output.explain(checkFailed);
      }
      return failed(stage, ioReason(io), io);
    }
    if (e instanceof SQLException sql) {
      return failed(stage, ExitException.firstLine(sql), sql);
    }
    if (e instanceof RuntimeException r) {
      return r;
    }
    if (e instanceof Error err) {
      throw err;
    }
    return new IllegalStateException(e);
  }

  private BackupManifest draft(
      java.util.Collection<BackupManifest.SequenceEntry> sequences,
      List<BackupManifest.KeptEntry> kept) {
    return DraftManifest.of(
        tables,
        copied,
        appended,
        facts,
        new ArrayList<>(sequences),
        kept,
        options,
        output.file(),
        compression);
  }

  private ExitException failed(String stage, String reason, Exception e) {
    return output.failed(stage, reason, e);
  }

  private void awaitPreload() {
    DraftManifest.awaitPreload(preload);
    preload = null;
  }

  /** Stops the check and every part, waits for the check, and removes what was written. */
  private void cleanUp() {
    output.stop();
    IOException stop = new IOException("the backup failed");
    if (assembler != null) {
      assembler.abort(stop);
    }
    if (copied != null) {
      copied.forEach(c -> c.fail(stop));
    }
    if (check != null) {
      try {
        check.get(30, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // it stops on the abort; its outcome no longer matters
      }
    }
    if (assembler != null) {
      assembler.discard();
    }
    output.discard();
  }

  /** Why a file operation failed, in a few words: the disk's reason, not the Java class. */
  static String ioReason(IOException e) {
    IOException root = e;
    while (root.getCause() instanceof IOException c
        && root.getMessage() != null
        && root.getMessage().startsWith("stopped:")) {
      root = c;
    }
    if (root instanceof AccessDeniedException) {
      return "permission denied (" + root.getMessage() + ")";
    }
    if (root instanceof NoSuchFileException) {
      return "no such file or directory (" + root.getMessage() + ")";
    }
    if (root instanceof FileSystemException fs && fs.getReason() != null) {
      return fs.getReason();
    }
    return ExitException.firstLine(root);
  }
}

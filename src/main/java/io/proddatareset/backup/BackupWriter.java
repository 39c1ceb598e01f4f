package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.ToolVersion;
import io.proddatareset.catalog.SequenceRef;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.SessionSettings;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Writes a data-only backup (the format of {@code pg_dump --data-only}, plain, gzip or zstd) from
 * one snapshot, re-reads it, checks it against what was copied and only then puts the file and its
 * manifest in place.
 */
public final class BackupWriter {
  /**
   * Tables larger than 1.5 times this many heap pages (8 kB each) are copied in parts of this size
   * when several jobs run (PostgreSQL 14+, which scans ctid ranges directly). Tests lower it.
   */
  static volatile long partPages = 4096;

  /**
   * What a part waiting for its turn may hold in memory before it spills to a temporary file. Tests
   * lower it.
   */
  static volatile long memoryPerPart = 16L << 20;

  /** What all parts waiting for their turn may hold in memory together. */
  static volatile long memoryTotal = 64L << 20;

  /** Wraps what the check reads back from the file; tests damage the bytes here. */
  static volatile java.util.function.UnaryOperator<InputStream> readBack = in -> in;

  /** How long a worker waits for its lock on a table; see {@code importSnapshot}. */
  static volatile String WORKER_LOCK_TIMEOUT = "30s";

  /** How much is written between the syncs made while a backup is written. */
  private static final long SYNC_EVERY = 32L << 20;

  private static final Pattern SNAPSHOT_ID = Pattern.compile("[0-9A-Fa-f-]+");

  private BackupWriter() {}

  /**
   * Writes a verified backup of {@code tables} as the snapshot of the caller's open transaction
   * sees them: the reset calls this inside its own transaction after locking the tables, so the
   * backup holds exactly the rows it will remove.
   *
   * <p>Transaction: {@code inOpenTransaction} must have auto-commit off. This method never commits
   * or rolls it back; it sets {@code row_security} off for the rest of the transaction (so that a
   * row-level security policy makes the backup fail instead of silently leaving rows out). For the
   * copy it sets {@code search_path}, {@code intervalstyle} and {@code extra_float_digits} as
   * pg_dump does, and puts the caller's values back after it. After a failure the transaction may
   * be aborted and the caller must roll it back.
   *
   * <p>With {@code jobs > 1} it exports the transaction's snapshot ({@code pg_export_snapshot()})
   * and opens up to {@code jobs - 1} more connections from {@code workerConnections}, each in a
   * {@code REPEATABLE READ, READ ONLY} transaction importing that snapshot; they only take ACCESS
   * SHARE locks, so they can read tables the caller holds in SHARE or EXCLUSIVE mode (not ACCESS
   * EXCLUSIVE). They are closed before this method returns.
   *
   * <p>Files: the data goes to a temporary file beside {@code file}; once it has been re-read and
   * every table's row count and checksum matched, it is synced and renamed to {@code file}, and the
   * manifest is written to {@code FILE.manifest.json}. On any failure nothing is left behind and an
   * {@link ExitException} says what happened in one line. An existing regular file is never
   * overwritten.
   *
   * @param tables the tables in the order a load should take (parents before children); their
   *     {@link Table#storedColumns()} are written, partitions under their root
   */
  public static BackupResult write(
      Connection inOpenTransaction,
      Supplier<Connection> workerConnections,
      List<Table> tables,
      Path file,
      BackupOptions options) {
    try {
      if (inOpenTransaction.getAutoCommit()) {
        throw new IllegalArgumentException(
            "the backup must run inside an open transaction (auto-commit off)");
      }
    } catch (SQLException e) {
      throw ExitException.failure("Cannot use the connection: " + ExitException.firstLine(e), e);
    }
    return write(
        inOpenTransaction, workerConnections, tables, BackupDestination.file(file), options);
  }

  /**
   * Writes a backup to {@code destination}, as {@link #write(Connection, Supplier, List, Path,
   * BackupOptions)} does for a file. A stream cannot be read back: its bytes are checked as they
   * are sent, by the same reader a restore uses, and the manifest, which records their size and
   * checksums, is written to {@link BackupDestination#manifest()} once the stream is complete. On a
   * failure, what was already sent cannot be taken back: the message says so, and no manifest is
   * written. The stream is flushed, never closed.
   */
  public static BackupResult write(
      Connection inOpenTransaction,
      Supplier<Connection> workerConnections,
      List<Table> tables,
      BackupDestination destination,
      BackupOptions options) {
    try {
      if (inOpenTransaction.getAutoCommit()) {
        throw new IllegalArgumentException(
            "the backup must run inside an open transaction (auto-commit off)");
      }
    } catch (SQLException e) {
      throw ExitException.failure("Cannot use the connection: " + ExitException.firstLine(e), e);
    }
    Run run = new Run(inOpenTransaction, workerConnections, tables, destination, options);
    return destination.streamed() ? run.executeStream() : run.execute();
  }

  /** Removes a backup and its manifest, e.g. when the reset that wrote it rolled back. */
  public static void delete(Path file) throws IOException {
    Files.deleteIfExists(ManifestFile.pathFor(file));
    Files.deleteIfExists(file);
  }

  /** One COPY command whose output becomes one piece of the file. */
  private record Part(int table, String sql, boolean first, boolean last) {}

  /** What the parts of one table produced; each part's row count is awaited by the check. */
  private static final class Copied {
    final long[] rows;
    final long[] bytes;
    final String[] sha256;
    final List<CompletableFuture<Long>> done = new ArrayList<>();

    Copied(int parts) {
      rows = new long[parts];
      bytes = new long[parts];
      sha256 = new String[parts];
      for (int i = 0; i < parts; i++) {
        done.add(new CompletableFuture<>());
      }
    }

    long awaitRows(int part) throws IOException {
      try {
        return done.get(part).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("stopped while checking the backup");
      } catch (ExecutionException e) {
        throw new IOException("the backup stopped", e.getCause());
      }
    }
  }

  private static final class Run {
    private final Connection main;
    private final Supplier<Connection> workerConnections;
    private final List<Table> tables;
    private final Path file;
    private final BackupDestination destination;
    private final BackupOptions options;
    private final Compression compression;
    private final long started = System.nanoTime();

    /**
     * Compresses the chunks of every part, on all cores: compression is most of a compressed
     * backup's work, and one thread per part would leave cores idle while one big table is copied.
     */
    private ExecutorService compressors;

    private int compressorThreads;

    private Thread preload;

    private String database;
    private String serverVersion;
    private int serverVersionNum;
    private String systemIdentifier;
    private String snapshotTime;
    private final Map<String, BackupManifest.SequenceEntry> sequences = new LinkedHashMap<>();

    Run(
        Connection main,
        Supplier<Connection> workerConnections,
        List<Table> tables,
        BackupDestination destination,
        BackupOptions options) {
      this.main = main;
      this.workerConnections = workerConnections;
      this.tables = List.copyOf(tables);
      this.destination = destination;
      this.file =
          destination.file() == null ? null : destination.file().toAbsolutePath().normalize();
      this.options = options;
      this.compression = destination.compression();
    }

    BackupResult execute() {
      Path manifestPath = ManifestFile.pathFor(file);
      boolean special = Files.exists(file) && !Files.isRegularFile(file);
      checkDestination(manifestPath, special);
      Path dir = file.getParent();
      Path tmp = null;
      Path spillDir = special ? Path.of(System.getProperty("java.io.tmpdir")) : dir;
      OrderedFileAssembler assembler = null;
      List<Copied> copied = null;
      Future<BackupVerifier.Reading> verifier = null;
      FileChannel channel = null;
      String stage = "preparing";
      try {
        if (compression != Compression.NONE) {
          compressorThreads = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
          compressors = Executors.newFixedThreadPool(compressorThreads, daemon("backup-compress"));
        }
        readServer();
        lockTables();
        readSequences();
        List<Part> parts = planParts();
        tmp = special ? file : createPartial(dir);
        channel =
            FileChannel.open(
                tmp,
                special
                    ? new StandardOpenOption[] {StandardOpenOption.WRITE}
                    : new StandardOpenOption[] {
                      StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING
                    });
        BufferedOutputStream buffered =
            new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 18);
        // part 0 is the header, then the tables' parts, then the sequences and the footer
        assembler =
            new OrderedFileAssembler(
                buffered, parts.size() + 2, spillDir, memoryPerPart, memoryTotal);
        copied = prepareCopied(parts);
        // the check reads the file back while it is written, one complete part after another
        if (!special) {
          verifier = startVerifier(tmp, assembler, copied);
          startSyncer(channel, assembler);
        }
        preload = preloadManifestWriter(copied);
        stage = "writing";
        writeWhole(
            assembler,
            0,
            BackupFormat.header(serverVersion, ToolVersion.get()).getBytes(StandardCharsets.UTF_8));
        copyAll(parts, assembler, copied);
        SessionSettings.pin(main, callerTextSettings);
        writeWhole(assembler, parts.size() + 1, footerText().getBytes(StandardCharsets.UTF_8));
        if (!assembler.complete()) {
          throw new IllegalStateException("a part of the backup was not written");
        }
        assembler.finish();
        if (!special) {
          channel.force(true);
        }
        channel.close();
        int partsUsed = parts.size();
        BackupManifest draft = manifest(copied);
        stage = "verifying";
        options.progress().phase("verifying the backup");
        if (special) {
          throw new ExitException(
              ExitStatus.FAILURE,
              file
                  + " is not a regular file: a backup must be re-read to be checked, so write it to"
                  + " a file.");
        }
        BackupManifest verified =
            BackupVerifier.check(awaitVerifier(verifier, false), draft, assembler.written(), false);
        stage = "saving";
        awaitPreload();
        publish(tmp, file);
        tmp = null;
        ManifestFile.write(manifestPath, verified);
        syncDirectory(dir);
        return new BackupResult(
            file,
            manifestPath,
            verified,
            Math.min(options.jobs(), Math.max(1, partsUsed)),
            partsUsed,
            (System.nanoTime() - started) / 1_000_000);
      } catch (ExitException e) {
        cleanUp(assembler, copied, verifier, channel, tmp, special);
        throw e;
      } catch (IOException e) {
        cleanUp(assembler, copied, verifier, channel, tmp, special);
        ExitException checkFailed = verificationFailure(verifier, false);
        if (checkFailed != null) {
          throw checkFailed;
        }
        throw new ExitException(
            ExitStatus.FAILURE,
            "Backup to " + file + " failed while " + stage + ": " + ioReason(e) + removed(special),
            e);
      } catch (SQLException e) {
        cleanUp(assembler, copied, verifier, channel, tmp, special);
        throw new ExitException(
            ExitStatus.FAILURE,
            "Backup to "
                + file
                + " failed while "
                + stage
                + ": "
                + ExitException.firstLine(e)
                + removed(special),
            e);
      } catch (RuntimeException | Error e) {
        cleanUp(assembler, copied, verifier, channel, tmp, special);
        throw e;
      } finally {
        if (compressors != null) {
          compressors.shutdownNow();
        }
        awaitPreload();
      }
    }

    /**
     * The backup streamed: the same parts in the same order as a file, through a {@link StreamTee}
     * that hands every byte sent to the check as well; the check reads every block as a whole (the
     * parts of a table copied in parts are not split again, which would make it wait for rows while
     * the tee waits for it).
     */
    BackupResult executeStream() {
      Path manifestPath = destination.manifest().toAbsolutePath().normalize();
      checkManifestDestination(manifestPath);
      Path dir = manifestPath.getParent();
      OrderedFileAssembler assembler = null;
      List<Copied> copied = null;
      Future<BackupVerifier.Reading> verifier = null;
      StreamTee tee = new StreamTee(destination.stream());
      boolean sent = false;
      String stage = "preparing";
      try {
        if (compression != Compression.NONE) {
          compressorThreads = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
          compressors = Executors.newFixedThreadPool(compressorThreads, daemon("backup-compress"));
        }
        readServer();
        lockTables();
        readSequences();
        List<Part> parts = planParts();
        BufferedOutputStream buffered = new BufferedOutputStream(tee, 1 << 18);
        assembler =
            new OrderedFileAssembler(buffered, parts.size() + 2, dir, memoryPerPart, memoryTotal);
        copied = prepareCopied(parts);
        verifier = startStreamVerifier(tee, assembler, copied.size());
        preload = preloadManifestWriter(copied);
        stage = "writing";
        sent = true;
        writeWhole(
            assembler,
            0,
            BackupFormat.header(serverVersion, ToolVersion.get()).getBytes(StandardCharsets.UTF_8));
        copyAll(parts, assembler, copied);
        SessionSettings.pin(main, callerTextSettings);
        writeWhole(assembler, parts.size() + 1, footerText().getBytes(StandardCharsets.UTF_8));
        if (!assembler.complete()) {
          throw new IllegalStateException("a part of the backup was not written");
        }
        assembler.finish();
        tee.close();
        int partsUsed = parts.size();
        BackupManifest draft = manifest(copied);
        stage = "checking";
        options.progress().phase("checking the streamed backup");
        BackupManifest verified =
            BackupVerifier.check(awaitVerifier(verifier, true), draft, assembler.written(), true);
        stage = "saving the manifest";
        awaitPreload();
        ManifestFile.write(manifestPath, verified);
        syncDirectory(dir);
        return new BackupResult(
            null,
            manifestPath,
            verified,
            Math.min(options.jobs(), Math.max(1, partsUsed)),
            partsUsed,
            (System.nanoTime() - started) / 1_000_000);
      } catch (ExitException e) {
        tee.readerFailed();
        cleanUp(assembler, copied, verifier, null, null, true);
        throw sent ? new ExitException(e.status(), e.getMessage() + streamLost(true), e) : e;
      } catch (IOException e) {
        tee.readerFailed();
        cleanUp(assembler, copied, verifier, null, null, true);
        ExitException checkFailed = verificationFailure(verifier, true);
        if (checkFailed != null) {
          throw new ExitException(
              checkFailed.status(), checkFailed.getMessage() + streamLost(sent), checkFailed);
        }
        throw new ExitException(
            ExitStatus.FAILURE,
            "Backup to stdout failed while " + stage + ": " + ioReason(e) + "." + streamLost(sent),
            e);
      } catch (SQLException e) {
        tee.readerFailed();
        cleanUp(assembler, copied, verifier, null, null, true);
        throw new ExitException(
            ExitStatus.FAILURE,
            "Backup to stdout failed while "
                + stage
                + ": "
                + ExitException.firstLine(e)
                + "."
                + streamLost(sent),
            e);
      } catch (RuntimeException | Error e) {
        tee.readerFailed();
        cleanUp(assembler, copied, verifier, null, null, true);
        throw e;
      } finally {
        if (compressors != null) {
          compressors.shutdownNow();
        }
        awaitPreload();
      }
    }

    private static String streamLost(boolean sent) {
      return sent
          ? " What was already sent to stdout is incomplete: discard it. No manifest was written."
          : " Nothing was sent to stdout.";
    }

    /** The manifest of a streamed backup: a new file in an existing directory. */
    private static void checkManifestDestination(Path manifestPath) {
      if (Files.isDirectory(manifestPath)) {
        throw ExitException.usage(
            manifestPath + " is a directory: give a file name for the manifest (--manifest).");
      }
      if (Files.exists(manifestPath)) {
        throw ExitException.usage(
            manifestPath
                + " already exists: a manifest is never overwritten; choose another name"
                + " (--manifest).");
      }
      Path dir = manifestPath.getParent();
      if (dir == null || !Files.isDirectory(dir)) {
        throw ExitException.usage(
            "Cannot write the manifest: directory " + dir + " does not exist.");
      }
    }

    /** Checks what the tee hands over, a whole block at a time; a failure stops the stream. */
    private static Future<BackupVerifier.Reading> startStreamVerifier(
        StreamTee tee, OrderedFileAssembler assembler, int tableCount) {
      int[] wholeBlocks = new int[tableCount];
      java.util.Arrays.fill(wholeBlocks, 1);
      FutureTask<BackupVerifier.Reading> task =
          new FutureTask<>(
              () -> {
                try (InputStream in = BackupWriter.readBack.apply(tee.reader())) {
                  return BackupVerifier.read(
                      in,
                      wholeBlocks,
                      (table, part) -> {
                        throw new IllegalStateException("blocks are read whole");
                      });
                } catch (IOException | RuntimeException e) {
                  tee.readerFailed();
                  assembler.abort(new IOException("the check of the streamed bytes failed", e));
                  throw e;
                }
              });
      Thread t = new Thread(task, "backup-check");
      t.setDaemon(true);
      t.start();
      return task;
    }

    /**
     * A new hidden file beside the backup to write it to, named for this process ({@link
     * PartialFiles}); a directory that cannot take it is a path that cannot be used.
     */
    private Path createPartial(Path dir) {
      try {
        return Files.createTempFile(dir, PartialFiles.prefix(file), PartialFiles.SUFFIX);
      } catch (IOException e) {
        throw new ExitException(
            ExitStatus.USAGE,
            "Cannot write the backup in "
                + dir
                + ": "
                + ioReason(e)
                + ". Nothing was written: choose a directory you can write to.",
            e);
      }
    }

    /**
     * Loads the JSON library the manifest is written with (a quarter of a second of class loading)
     * on another thread while the copy runs, by writing a draft of the manifest to nowhere. Nothing
     * else uses that library until {@link #awaitPreload}, so the two threads never load its classes
     * at the same time.
     */
    private Thread preloadManifestWriter(List<Copied> copied) {
      BackupManifest sample = manifest(copied);
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

    private void awaitPreload() {
      Thread t = preload;
      if (t == null) {
        return;
      }
      boolean interrupted = false;
      while (true) {
        try {
          t.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      preload = null;
    }

    private void writeWhole(OrderedFileAssembler assembler, int index, byte[] content)
        throws IOException {
      OutputStream part = assembler.open(index);
      try (OutputStream member =
          compression.member(part, compressors, compressorThreads, options.gzipLevel())) {
        member.write(content);
      }
      part.close();
    }

    private static String removed(boolean special) {
      return special ? "." : ". The partial file was removed.";
    }

    private void checkDestination(Path manifestPath, boolean special) {
      if (Files.isDirectory(file)) {
        throw ExitException.usage(file + " is a directory: give a file name for the backup.");
      }
      if (Files.isRegularFile(file)) {
        throw ExitException.usage(
            file + " already exists: a backup is never overwritten; choose another name.");
      }
      if (!special && Files.exists(manifestPath)) {
        throw ExitException.usage(
            manifestPath + " already exists: remove it or choose another backup name.");
      }
      Path dir = file.getParent();
      if (dir == null || !Files.isDirectory(dir)) {
        throw ExitException.usage("Cannot write the backup: directory " + dir + " does not exist.");
      }
    }

    /** The check's own failure, when it stopped the copy by finding the file damaged. */
    private static ExitException verificationFailure(
        Future<BackupVerifier.Reading> verifier, boolean streamed) {
      if (verifier == null || !verifier.isDone()) {
        return null;
      }
      try {
        verifier.get();
        return null;
      } catch (ExecutionException e) {
        return e.getCause() instanceof BackupFormatException f
            ? streamed
                ? BackupVerifier.streamFailed(f.getMessage())
                : BackupVerifier.failed(f.getMessage())
            : null;
      } catch (InterruptedException | java.util.concurrent.CancellationException e) {
        return null;
      }
    }

    private void cleanUp(
        OrderedFileAssembler assembler,
        List<Copied> copied,
        Future<BackupVerifier.Reading> verifier,
        FileChannel channel,
        Path tmp,
        boolean special) {
      IOException stop = new IOException("the backup failed");
      if (assembler != null) {
        assembler.abort(stop);
      }
      if (copied != null) {
        copied.forEach(c -> c.done.forEach(f -> f.completeExceptionally(stop)));
      }
      if (verifier != null) {
        try {
          verifier.get(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // it stops on the abort; its outcome no longer matters
        }
      }
      if (assembler != null) {
        assembler.discard();
      }
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // the file is removed next
        }
      }
      if (tmp != null && !special) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // reported by the caller's message as far as it can be
        }
      }
    }

    private List<Copied> prepareCopied(List<Part> parts) {
      int[] count = new int[tables.size()];
      for (Part p : parts) {
        count[p.table()]++;
      }
      List<Copied> out = new ArrayList<>();
      for (int i = 0; i < tables.size(); i++) {
        out.add(new Copied(count[i]));
      }
      return out;
    }

    private Future<BackupVerifier.Reading> startVerifier(
        Path tmp, OrderedFileAssembler assembler, List<Copied> copied) throws IOException {
      int[] partCounts = copied.stream().mapToInt(c -> c.rows.length).toArray();
      FileChannel readBack = FileChannel.open(tmp, StandardOpenOption.READ);
      FutureTask<BackupVerifier.Reading> task =
          new FutureTask<>(
              () -> {
                try (InputStream in =
                    BackupWriter.readBack.apply(new TailInputStream(readBack, assembler))) {
                  return BackupVerifier.read(
                      in, partCounts, (table, part) -> copied.get(table).awaitRows(part));
                } catch (IOException | RuntimeException e) {
                  // a file that cannot be read back stops the copy at once
                  assembler.abort(new IOException("the check of the written file failed", e));
                  throw e;
                }
              });
      Thread t = new Thread(task, "backup-check");
      t.setDaemon(true);
      t.start();
      return task;
    }

    /**
     * Syncs what has been written every {@value #SYNC_EVERY} bytes while the copy goes on, so that
     * the final sync, which the backup must wait for, has little left to write. Errors are left to
     * the final sync, which reports them.
     */
    private static void startSyncer(FileChannel channel, OrderedFileAssembler assembler) {
      Thread t =
          new Thread(
              () -> {
                long synced = 0;
                try {
                  while (true) {
                    long published = assembler.awaitCommitted(synced + SYNC_EVERY - 1);
                    if (published < synced + SYNC_EVERY) {
                      return;
                    }
                    channel.force(false);
                    synced = published;
                  }
                } catch (IOException | InterruptedException e) {
                  // the writer's own sync reports a failing disk; a closed channel ends this
                }
              },
              "backup-sync");
      t.setDaemon(true);
      t.start();
    }

    private static BackupVerifier.Reading awaitVerifier(
        Future<BackupVerifier.Reading> verifier, boolean streamed) throws IOException {
      try {
        return verifier.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while checking the backup");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof BackupFormatException f) {
          throw streamed
              ? BackupVerifier.streamFailed(f.getMessage())
              : BackupVerifier.failed(f.getMessage());
        }
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        throw new IOException(e.getCause());
      }
    }

    private static String ioReason(IOException e) {
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

    /** The caller's values of {@link SessionSettings#COPY_TEXT}, put back after the copy. */
    private String[] callerTextSettings;

    private void readServer() throws SQLException {
      try (Statement st = main.createStatement()) {
        callerTextSettings = SessionSettings.set(main, SessionSettings.COPY_TEXT);
        try (ResultSet rs =
            st.executeQuery(
                "SELECT current_database(), current_setting('server_version'),"
                    + " current_setting('server_version_num')::int, clock_timestamp(),"
                    + " has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE'),"
                    + " set_config('row_security', 'off', true)")) {
          rs.next();
          database = rs.getString(1);
          serverVersion = rs.getString(2);
          serverVersionNum = rs.getInt(3);
          snapshotTime = rs.getObject(4, OffsetDateTime.class).toInstant().toString();
          if (rs.getBoolean(5)) {
            try (ResultSet id =
                st.executeQuery("SELECT system_identifier::text FROM pg_control_system()")) {
              id.next();
              systemIdentifier = id.getString(1);
            }
          }
        }
      }
    }

    /**
     * Takes ACCESS SHARE locks on every table first, as pg_dump does: once held, a session asking
     * for a table exclusively waits for the backup instead of the backup's own copies queueing
     * behind it. Waits as long as the transaction's lock timeout allows.
     */
    private void lockTables() throws SQLException {
      if (tables.isEmpty()) {
        return;
      }
      try (Statement st = main.createStatement()) {
        st.execute(
            "LOCK TABLE "
                + tables.stream().map(t -> t.name().sql()).collect(Collectors.joining(", "))
                + " IN ACCESS SHARE MODE");
      }
    }

    /**
     * Sequences are not transactional: their values are read now, at the start, which is at least
     * every value used by a row in the snapshot.
     */
    private void readSequences() throws SQLException {
      for (Table t : tables) {
        for (SequenceRef s : t.sequences()) {
          String key = s.sql();
          if (sequences.containsKey(key)) {
            continue;
          }
          try (Statement st = main.createStatement();
              ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + s.sql())) {
            rs.next();
            sequences.put(
                key,
                new BackupManifest.SequenceEntry(
                    s.display(),
                    s.schema(),
                    s.name(),
                    t.name().display(),
                    rs.getLong(1),
                    rs.getBoolean(2)));
          }
        }
      }
    }

    private List<Part> planParts() throws SQLException {
      boolean split = options.jobs() > 1 && serverVersionNum >= 140000;
      List<Part> parts = new ArrayList<>();
      for (int i = 0; i < tables.size(); i++) {
        Table t = tables.get(i);
        String cols = selectList(t);
        List<String> sqls = new ArrayList<>();
        if (t.partitioned()) {
          for (Relation leaf : leaves(t.name())) {
            sqls.addAll(rangeCopies(leaf, cols, split));
          }
          if (sqls.isEmpty()) {
            sqls.add("COPY (SELECT " + cols + " FROM " + t.name().sql() + ") TO STDOUT");
          }
        } else {
          Relation self = relation(t.name());
          if (split && self.pages > partPages * 3 / 2) {
            sqls.addAll(rangeCopies(self, cols, true));
          } else {
            String list = t.storedColumns().isEmpty() ? "" : " (" + cols + ")";
            sqls.add("COPY " + t.name().sql() + list + " TO STDOUT");
          }
        }
        for (int k = 0; k < sqls.size(); k++) {
          parts.add(new Part(i, sqls.get(k), k == 0, k == sqls.size() - 1));
        }
      }
      return parts;
    }

    private static String selectList(Table t) {
      return t.storedColumns().stream()
          .map(c -> Identifiers.quote(c.name()))
          .collect(Collectors.joining(", "));
    }

    private record Relation(TableName name, long pages) {}

    private Relation relation(TableName name) throws SQLException {
      try (PreparedStatement ps =
          main.prepareStatement("SELECT pg_relation_size(?::regclass) / 8192")) {
        ps.setString(1, name.sql());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return new Relation(name, rs.getLong(1));
        }
      }
    }

    private List<Relation> leaves(TableName root) throws SQLException {
      List<Relation> out = new ArrayList<>();
      try (PreparedStatement ps =
          main.prepareStatement(
              "SELECT n.nspname, c.relname, pg_relation_size(c.oid) / 8192"
                  + " FROM pg_partition_tree(?::regclass) p"
                  + " JOIN pg_class c ON c.oid = p.relid"
                  + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                  + " WHERE p.isleaf ORDER BY n.nspname, c.relname")) {
        ps.setString(1, root.sql());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new Relation(new TableName(rs.getString(1), rs.getString(2)), rs.getLong(3)));
          }
        }
      }
      return out;
    }

    /** COPY of one relation's rows, in ranges of heap pages when {@code split} and it is big. */
    private static List<String> rangeCopies(Relation r, String cols, boolean split) {
      String from = "COPY (SELECT " + cols + " FROM ONLY " + r.name().sql();
      List<String> out = new ArrayList<>();
      if (!split || r.pages() <= partPages * 3 / 2) {
        out.add(from + ") TO STDOUT");
        return out;
      }
      // the last range is open-ended: the relation may have grown since its size was read
      for (long start = 0; start < r.pages(); start += partPages) {
        boolean lastRange = start + partPages >= r.pages() - partPages / 2;
        String where =
            start == 0
                ? " WHERE ctid < '(" + partPages + ",0)'::tid"
                : " WHERE ctid >= '("
                    + start
                    + ",0)'::tid"
                    + (lastRange ? "" : " AND ctid < '(" + (start + partPages) + ",0)'::tid");
        out.add(from + where + ") TO STDOUT");
        if (lastRange) {
          break;
        }
      }
      return out;
    }

    private void copyAll(List<Part> parts, OrderedFileAssembler assembler, List<Copied> copied)
        throws IOException, SQLException {
      int[] partNo = new int[parts.size()];
      int[] count = new int[tables.size()];
      for (int p = 0; p < parts.size(); p++) {
        partNo[p] = count[parts.get(p).table()]++;
      }
      int jobs = Math.min(options.jobs(), parts.size());
      if (jobs <= 1) {
        for (int p = 0; p < parts.size(); p++) {
          copyPart(main, parts.get(p), p + 1, partNo[p], copied, assembler);
        }
        return;
      }
      String snapshot;
      try (Statement st = main.createStatement();
          ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
        rs.next();
        snapshot = rs.getString(1);
      }
      if (!SNAPSHOT_ID.matcher(snapshot).matches()) {
        throw new SQLException("unexpected snapshot id from the server");
      }
      BlockingQueue<Connection> pool = new ArrayBlockingQueue<>(jobs);
      List<Connection> opened = java.util.Collections.synchronizedList(new ArrayList<>());
      pool.add(main);
      ExecutorService executor = Executors.newFixedThreadPool(jobs, daemon("backup-worker"));
      // the caller's connection starts copying at once; the others join as they connect
      ExecutorService openers = Executors.newFixedThreadPool(jobs - 1, daemon("backup-connect"));
      try {
        for (int j = 1; j < jobs; j++) {
          openers.submit(
              () -> {
                try {
                  Connection c = workerConnections.get();
                  opened.add(c);
                  importSnapshot(c, snapshot);
                  pool.add(c);
                } catch (SQLException | RuntimeException e) {
                  // fewer connections, say at max_connections: the parts wait for the others
                }
              });
        }
        List<Future<?>> futures = new ArrayList<>();
        for (int p = 0; p < parts.size(); p++) {
          Part part = parts.get(p);
          int index = p + 1;
          int no = partNo[p];
          futures.add(
              executor.submit(
                  () -> {
                    Connection c = pool.take();
                    try {
                      copyPart(c, part, index, no, copied, assembler);
                    } finally {
                      pool.add(c);
                    }
                    return null;
                  }));
        }
        Throwable firstFailure = null;
        for (Future<?> f : futures) {
          try {
            f.get();
          } catch (ExecutionException e) {
            if (firstFailure == null) {
              firstFailure = e.getCause();
              // the other parts stop at their next write, or when their query is cancelled
              assembler.abort(new IOException("another part failed", firstFailure));
              for (Future<?> other : futures) {
                other.cancel(false);
              }
              for (Connection c : List.copyOf(opened)) {
                cancelQuietly(c);
              }
            }
          } catch (java.util.concurrent.CancellationException ignored) {
            // stopped after another part failed
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
          }
        }
        if (firstFailure instanceof IOException e) {
          throw e;
        }
        if (firstFailure instanceof SQLException e) {
          throw e;
        }
        if (firstFailure instanceof RuntimeException e) {
          throw e;
        }
        if (firstFailure != null) {
          throw new IOException(firstFailure);
        }
      } finally {
        for (ExecutorService e : List.of(executor, openers)) {
          e.shutdown();
          try {
            if (!e.awaitTermination(60, TimeUnit.SECONDS)) {
              e.shutdownNow();
            }
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
          }
        }
        for (Connection c : List.copyOf(opened)) {
          try {
            c.close();
          } catch (SQLException ignored) {
            // read-only: closing rolls back
          }
        }
      }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
      return r -> {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
      };
    }

    private static void cancelQuietly(Connection c) {
      try {
        c.unwrap(PGConnection.class).cancelQuery();
      } catch (SQLException ignored) {
        // the part stops at its next write anyway
      }
    }

    /**
     * A worker's transaction: the caller's snapshot, read only. A worker's lock on a table can
     * queue behind another session's request for an exclusive lock that itself waits for the
     * caller's transaction, which waits for the worker: the lock timeout turns that into a failure
     * instead of a hang.
     */
    private static void importSnapshot(Connection c, String snapshot) throws SQLException {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        st.execute("SET TRANSACTION SNAPSHOT '" + snapshot + "'");
        st.execute(
            "SELECT set_config('row_security', 'off', true),"
                + " set_config('lock_timeout', '"
                + WORKER_LOCK_TIMEOUT
                + "', true), set_config('statement_timeout', '0', true),"
                + " set_config('idle_in_transaction_session_timeout', '0', true)");
      }
      // a worker's own connection: nothing to put back afterwards
      SessionSettings.pin(c, SessionSettings.COPY_TEXT);
    }

    private void copyPart(
        Connection c,
        Part part,
        int index,
        int partNo,
        List<Copied> copied,
        OrderedFileAssembler assembler)
        throws IOException, SQLException {
      Table t = tables.get(part.table());
      OutputStream partOut = assembler.open(index);
      BufferedOutputStream buffered = new BufferedOutputStream(partOut, 1 << 16);
      CountingDigest data;
      long rows;
      try (OutputStream member =
          compression.member(buffered, compressors, compressorThreads, options.gzipLevel())) {
        if (part.first()) {
          CopyStatement statement =
              new CopyStatement(
                  t.name(), t.storedColumns().stream().map(col -> col.name()).toList());
          member.write(
              BackupFormat.blockHeader(t.name(), statement).getBytes(StandardCharsets.UTF_8));
        }
        data = new CountingDigest(member, t.name(), options.progress());
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        try {
          rows = copy.copyOut(part.sql(), data);
        } catch (SQLException e) {
          String why =
              "55P03".equals(e.getSQLState())
                  ? "could not lock it within "
                      + WORKER_LOCK_TIMEOUT
                      + ": another session wants it exclusively (ALTER TABLE, TRUNCATE, ...);"
                      + " try again when that is done"
                  : ExitException.firstLine(e);
          throw new SQLException("copying " + t.name().display() + ": " + why, e.getSQLState(), e);
        }
        data.finish(rows);
        if (part.last()) {
          member.write(BackupFormat.END_OF_DATA);
        }
      }
      buffered.flush();
      // recorded before the part is complete, so the check finds it when it reads the part
      Copied result = copied.get(part.table());
      synchronized (result) {
        result.rows[partNo] = rows;
        result.bytes[partNo] = data.bytes;
        result.sha256[partNo] = Sha256.hex(data.digest);
      }
      result.done.get(partNo).complete(rows);
      partOut.close();
    }

    private String footerText() {
      StringBuilder sb = new StringBuilder();
      for (BackupManifest.SequenceEntry s : sequences.values()) {
        sb.append(
            BackupFormat.sequenceLine(
                new SetvalStatement(s.name(), s.value(), s.isCalled()),
                Identifiers.display(s.sequence()),
                Identifiers.display(s.schema())));
      }
      sb.append(BackupFormat.footer());
      return sb.toString();
    }

    private BackupManifest manifest(List<Copied> copied) {
      List<BackupManifest.TableEntry> entries = new ArrayList<>();
      for (int i = 0; i < tables.size(); i++) {
        Table t = tables.get(i);
        Copied c = copied.get(i);
        long rows = 0;
        long bytes = 0;
        List<BackupManifest.PartEntry> partEntries = new ArrayList<>();
        synchronized (c) {
          for (int k = 0; k < c.rows.length; k++) {
            rows += c.rows[k];
            bytes += c.bytes[k];
            partEntries.add(new BackupManifest.PartEntry(c.rows[k], c.sha256[k]));
          }
        }
        boolean single = partEntries.size() == 1;
        entries.add(
            new BackupManifest.TableEntry(
                t.name().display(),
                t.name().schema(),
                t.name().name(),
                t.storedColumns().stream().map(col -> col.name()).toList(),
                rows,
                bytes,
                single ? partEntries.get(0).sha256() : null,
                single ? null : partEntries));
      }
      return new BackupManifest(
          BackupManifest.FORMAT_VERSION,
          BackupFormat.PRODUCER + " " + ToolVersion.get(),
          options.target(),
          database,
          serverVersion,
          systemIdentifier,
          snapshotTime,
          options.planId(),
          file == null ? "-" : file.getFileName().toString(),
          compression.label(),
          0,
          null,
          entries,
          new ArrayList<>(sequences.values()),
          options.kept());
    }
  }

  /** Hard-links then unlinks, so an existing file is never replaced; a rename where links fail. */
  private static void publish(Path tmp, Path file) throws IOException {
    try {
      Files.createLink(file, tmp);
      Files.delete(tmp);
    } catch (FileAlreadyExistsException e) {
      throw ExitException.usage(
          file
              + " appeared while the backup was written: a backup is never overwritten; choose"
              + " another name.");
    } catch (UnsupportedOperationException | FileSystemException e) {
      if (Files.exists(file)) {
        throw ExitException.usage(
            file
                + " appeared while the backup was written: a backup is never overwritten; choose"
                + " another name.");
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // not every platform can sync a directory; the file itself was synced
    }
  }

  /**
   * Hashes and counts one part's COPY data on its way to the part's stream, in batches: PgJDBC
   * hands over one small array per row, and passing each down the stream and into the digest on its
   * own cost more than the copying. Reports progress.
   */
  private static final class CountingDigest extends OutputStream {
    private static final long REPORT_EVERY = 1 << 20;
    private static final int BATCH = 1 << 17;
    final MessageDigest digest = Sha256.digest();
    private final OutputStream out;
    private final TableName table;
    private final BackupProgress progress;
    private final byte[] batch = new byte[BATCH];
    private int used;
    long bytes;
    private long reported;

    CountingDigest(OutputStream out, TableName table, BackupProgress progress) {
      this.out = out;
      this.table = table;
      this.progress = progress;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > BATCH - used) {
        pass();
        if (len >= BATCH) {
          digest.update(b, off, len);
          out.write(b, off, len);
          count(len);
          return;
        }
      }
      System.arraycopy(b, off, batch, used, len);
      used += len;
      count(len);
    }

    private void count(int len) throws IOException {
      bytes += len;
      if (bytes - reported >= REPORT_EVERY) {
        progress.copied(table, 0, bytes - reported);
        reported = bytes;
      }
    }

    /** Hands the batch on. */
    private void pass() throws IOException {
      if (used > 0) {
        digest.update(batch, 0, used);
        out.write(batch, 0, used);
        used = 0;
      }
    }

    /** After the part's last row: passes the rest on (without closing the stream). */
    void finish(long rows) throws IOException {
      pass();
      progress.copied(table, rows, bytes - reported);
      reported = bytes;
    }
  }
}

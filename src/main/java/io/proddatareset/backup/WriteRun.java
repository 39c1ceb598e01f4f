package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.ToolVersion;
import io.proddatareset.catalog.Table;
import io.proddatareset.pg.SessionSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

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
  }

  BackupResult execute() {
    output.checkDestination();
    String stage = "preparing";
    Compressors compressors = null;
    try {
      compressors = new Compressors(compression, options.gzipLevel());
      SnapshotFacts facts = SnapshotFacts.read(main, tables);
      List<CopyParts.Part> parts =
          CopyParts.plan(
              main, tables, options.jobs(), facts.serverVersionNum(), tuning.partPages());
      assembler =
          new OrderedFileAssembler(
              output.open(),
              parts.size() + 2,
              output.spillDir(),
              tuning.memoryPerPart(),
              tuning.memoryTotal());
      copied = CopiedTable.forParts(tables.size(), parts);
      check = output.startCheck(assembler, copied, tuning.readBack());
      preload = DraftManifest.preload(draft(facts));
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
      compressors.writeWhole(
          assembler,
          parts.size() + 1,
          BackupFormat.sequencesAndFooter(facts.sequences().values())
              .getBytes(StandardCharsets.UTF_8));
      if (!assembler.complete()) {
        throw new IllegalStateException("a part of the backup was not written");
      }
      assembler.finish();
      output.finishWriting();
      BackupManifest draft = draft(facts);
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
      return new BackupResult(
          output.file(),
          output.manifestPath(),
          verified,
          Math.min(options.jobs(), Math.max(1, parts.size())),
          parts.size(),
          (System.nanoTime() - started) / 1_000_000);
    } catch (ExitException e) {
      cleanUp();
      throw output.explain(e);
    } catch (IOException e) {
      cleanUp();
      ExitException checkFailed = ReadBackCheck.failure(check, output.streamed());
      if (checkFailed != null) {
        throw output.explain(checkFailed);
      }
      throw failed(stage, ioReason(e), e);
    } catch (SQLException e) {
      cleanUp();
      throw failed(stage, ExitException.firstLine(e), e);
    } catch (RuntimeException | Error e) {
      cleanUp();
      throw e;
    } finally {
      if (compressors != null) {
        compressors.close();
      }
      awaitPreload();
    }
  }

  private BackupManifest draft(SnapshotFacts facts) {
    return DraftManifest.of(tables, copied, facts, options, output.file(), compression);
  }

  private ExitException failed(String stage, String reason, Exception e) {
    return new ExitException(
        ExitStatus.FAILURE,
        "Backup to "
            + output.name()
            + " failed while "
            + stage
            + ": "
            + reason
            + output.failureEnd(),
        e);
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

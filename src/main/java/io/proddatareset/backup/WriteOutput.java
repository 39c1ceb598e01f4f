package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

/**
 * Where a backup run's bytes go, and what that changes in the run: a file ({@link FileOutput}) is
 * written beside its final name, read back and only then put in place; a stream ({@link
 * StreamOutput}) is checked as it is sent and cannot be taken back. {@link WriteRun} calls these in
 * the order they are declared.
 */
sealed interface WriteOutput permits FileOutput, StreamOutput {
  /** Refuses a destination that cannot be used (USAGE), before anything is read. */
  void checkDestination();

  /** The stream the parts are assembled into, opened once the parts are planned. */
  OutputStream open() throws IOException;

  /** Where parts waiting for their turn spill to. */
  Path spillDir();

  /** Starts the check of what is written, or returns null when it cannot be read back. */
  Future<BackupVerifier.Reading> startCheck(
      OrderedFileAssembler assembler, List<CopiedTable> copied, UnaryOperator<InputStream> readBack)
      throws IOException;

  /** The first bytes are about to go out. */
  void sending();

  /** After the last part: makes what was written durable, or ends what the check reads. */
  void finishWriting() throws IOException;

  /** True when the check reads the bytes as they were sent, each block whole. */
  boolean streamed();

  /** The stage a failure during the check names, e.g. {@code verifying}. */
  String checkStage();

  /** The progress phase of the check. */
  String checkPhase();

  /** Throws when what was written cannot be checked. */
  void requireCheckable();

  /** The stage a failure after the check names. */
  String saveStage();

  /** Puts the checked backup in place and writes its manifest. */
  void publish(BackupManifest verified) throws IOException;

  /** Where the manifest goes. */
  Path manifestPath();

  /** The backup file, or null for a stream. */
  Path file();

  /** What the messages call the destination: the file, or stdout. */
  String name();

  /** What a failure message ends with: what became of what was written. */
  String failureEnd();

  /**
   * {@code Backup to FILE failed while STAGE: REASON.} and what became of what was written: the
   * one-line failure of a backup to this destination.
   */
  default ExitException failed(String stage, String reason, Throwable cause) {
    return new ExitException(
        ExitStatus.FAILURE,
        "Backup to " + name() + " failed while " + stage + ": " + reason + failureEnd(),
        cause);
  }

  /** A failure of the run, said for this destination. */
  ExitException explain(ExitException e);

  /** First step after a failure: stops whatever reads what was written. */
  void stop();

  /** Last step after a failure: removes what was written, where it can be. */
  void discard();

  /** Writes the manifest and syncs its directory. */
  static void saveManifest(Path manifestPath, BackupManifest verified) throws IOException {
    ManifestFile.write(manifestPath, verified);
    try (FileChannel ch = FileChannel.open(manifestPath.getParent(), StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // not every platform can sync a directory; the file itself was synced
    }
  }
}

package io.proddatareset.backup;

import io.proddatareset.ExitException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

/**
 * A backup streamed (to stdout): the same parts in the same order as a file, through a {@link
 * StreamTee} that hands every byte sent to the check as well; the check reads every block as a
 * whole (the parts of a table copied in parts are not split again, which would make it wait for
 * rows while the tee waits for it). What was sent cannot be taken back: a failure says so, and no
 * manifest is written.
 */
final class StreamOutput implements WriteOutput {
  private final Path manifestPath;
  private final StreamTee tee;
  private boolean sent;

  StreamOutput(BackupDestination destination) {
    this.manifestPath = destination.manifest().toAbsolutePath().normalize();
    this.tee = new StreamTee(destination.stream());
  }

  /** The manifest of a streamed backup: a new file in an existing directory. */
  @Override
  public void checkDestination() {
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
      throw ExitException.usage("Cannot write the manifest: directory " + dir + " does not exist.");
    }
  }

  @Override
  public OutputStream open() {
    return new BufferedOutputStream(tee, 1 << 18);
  }

  @Override
  public Path spillDir() {
    return manifestPath.getParent();
  }

  @Override
  public Future<BackupVerifier.Reading> startCheck(
      OrderedFileAssembler assembler,
      List<CopiedTable> copied,
      UnaryOperator<InputStream> readBack) {
    return ReadBackCheck.ofStream(tee, assembler, copied.size(), readBack);
  }

  @Override
  public void sending() {
    sent = true;
  }

  @Override
  public void finishWriting() throws IOException {
    tee.close();
  }

  @Override
  public boolean streamed() {
    return true;
  }

  @Override
  public String checkStage() {
    return "checking";
  }

  @Override
  public String checkPhase() {
    return "checking the streamed backup";
  }

  @Override
  public void requireCheckable() {}

  @Override
  public String saveStage() {
    return "saving the manifest";
  }

  @Override
  public void publish(BackupManifest verified) throws IOException {
    WriteOutput.saveManifest(manifestPath, verified);
  }

  @Override
  public Path manifestPath() {
    return manifestPath;
  }

  @Override
  public Path file() {
    return null;
  }

  @Override
  public String name() {
    return "stdout";
  }

  @Override
  public String failureEnd() {
    return "." + streamLost();
  }

  @Override
  public ExitException explain(ExitException e) {
    return sent ? new ExitException(e.status(), e.getMessage() + streamLost(), e) : e;
  }

  private String streamLost() {
    return sent
        ? " What was already sent to stdout is incomplete: discard it. No manifest was written."
        : " Nothing was sent to stdout.";
  }

  @Override
  public void stop() {
    tee.readerFailed();
  }

  @Override
  public void discard() {}
}

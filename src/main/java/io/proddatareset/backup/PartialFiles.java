package io.proddatareset.backup;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hidden temporary files a backup and its manifest are written to before they are put in place,
 * {@code .NAME.pPID.RANDOM.partial} beside {@code NAME}, where PID is the writing process, and the
 * spool files of parts waiting for their turn, {@code .prod-data-reset.pPID.RANDOM.spool}. A run
 * that fails removes its own; one that is killed (SIGKILL, a power cut) cannot, and leaves a file
 * that may hold production rows. {@link #leftBehind} finds those, so that the next run writing into
 * the directory can name them; they are never deleted here, since only a person can tell what they
 * hold and whether it is still needed.
 */
public final class PartialFiles {
  static final String SUFFIX = ".partial";
  static final String SPOOL = ".spool";

  /** This version's names, with the writer's process id. */
  private static final Pattern WITH_PID =
      Pattern.compile("^\\..+\\.p(\\d+)\\.\\d+\\.(?:partial|spool)$");

  /**
   * Names written by earlier versions, without a process id: {@code .NAME.RANDOM.partial} for a
   * backup, {@code .NAME.manifest.jsonRANDOM.partial} for a manifest, {@code
   * .prod-data-reset-RANDOM.spool} for a spool file.
   */
  private static final Pattern WITHOUT_PID =
      Pattern.compile(
          "^\\..+(?:\\.|\\.manifest\\.json)\\d+\\.partial$|^\\.prod-data-reset-\\d+\\.spool$");

  /**
   * A file without a process id that has not been written to for this long is taken as left behind:
   * a running backup writes to its file all the time.
   */
  private static final Duration IDLE = Duration.ofMinutes(10);

  private PartialFiles() {}

  /**
   * A partial file that a run which is no longer running left behind.
   *
   * @param file the file
   * @param started when it was created (or last written, where the file system keeps no creation
   *     time)
   * @param bytes its size
   * @param pid the process that wrote it, or null for a file named by an earlier version
   */
  public record Stale(Path file, Instant started, long bytes, Long pid) {
    /**
     * One line for stderr, without a leading {@code warning: }, e.g. {@code
     * .x.sql.p4711.123.partial in /backups was left by an earlier run that was killed (started
     * 2026-01-02T03:04:05Z, 81920 bytes); it may hold production rows: remove it when you have
     * checked}.
     */
    public String warning() {
      Path dir = file.toAbsolutePath().getParent();
      return file.getFileName()
          + " in "
          + dir
          + " was left by an earlier run that was killed (started "
          + started.truncatedTo(ChronoUnit.SECONDS)
          + ", "
          + bytes
          + (bytes == 1 ? " byte" : " bytes")
          + "); it may hold production rows: remove it when you have checked";
    }
  }

  /** The prefix of a temporary file for {@code target}: {@code .NAME.pPID.} */
  static String prefix(Path target) {
    return "." + target.getFileName() + ".p" + ProcessHandle.current().pid() + ".";
  }

  /**
   * The partial files this process has in the directory of {@code fileToWrite}, for it, its
   * manifest, or a spooled part: after a backup that failed or was stopped, those it could not
   * remove (none, normally).
   */
  public static List<Path> ofThisProcess(Path fileToWrite) {
    Path target = fileToWrite.toAbsolutePath().normalize();
    Path dir = target.getParent();
    List<Path> out = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) {
      return out;
    }
    List<String> prefixes =
        List.of(
            prefix(target),
            prefix(ManifestFile.pathFor(target)),
            prefix(Path.of("prod-data-reset")));
    try (DirectoryStream<Path> entries =
        Files.newDirectoryStream(dir, ".*{" + SUFFIX + "," + SPOOL + "}")) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (prefixes.stream().anyMatch(name::startsWith)) {
          out.add(p);
        }
      }
    } catch (IOException e) {
      return out;
    }
    out.sort(null);
    return out;
  }

  /**
   * The partial files in the directory {@code fileToWrite} will be written to that were left by
   * runs that are no longer running (a file whose writer is still running, in this process or
   * another, is not one), oldest first. Reads the directory only; an unreadable directory gives an
   * empty list (writing there fails with its own message).
   */
  public static List<Stale> leftBehind(Path fileToWrite) {
    Path dir = fileToWrite.toAbsolutePath().normalize().getParent();
    List<Stale> out = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) {
      return out;
    }
    Instant now = Instant.now();
    try (DirectoryStream<Path> entries =
        Files.newDirectoryStream(dir, ".*{" + SUFFIX + "," + SPOOL + "}")) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        Matcher withPid = WITH_PID.matcher(name);
        boolean legacy = !withPid.matches() && WITHOUT_PID.matcher(name).matches();
        if (!withPid.matches() && !legacy) {
          continue;
        }
        BasicFileAttributes a;
        try {
          a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (IOException gone) {
          continue; // removed since it was listed: its run finished
        }
        if (!a.isRegularFile()) {
          continue;
        }
        Instant created = a.creationTime().toInstant();
        Instant modified = a.lastModifiedTime().toInstant();
        Instant started =
            created.equals(Instant.EPOCH) || created.isAfter(modified) ? modified : created;
        Long pid = null;
        if (legacy) {
          if (Duration.between(modified, now).compareTo(IDLE) < 0) {
            continue;
          }
        } else {
          pid = Long.parseLong(withPid.group(1));
          if (running(pid, started)) {
            continue;
          }
        }
        out.add(new Stale(p, started, a.size(), pid));
      }
    } catch (IOException | NumberFormatException e) {
      return out;
    }
    out.sort(java.util.Comparator.comparing(Stale::started));
    return out;
  }

  /**
   * Whether the process that wrote a file created at {@code created} still runs: a process with
   * that id exists and had started by then (a process started later only reuses the id).
   */
  private static boolean running(long pid, Instant created) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty() || !h.get().isAlive()) {
      return false;
    }
    Optional<Instant> start = h.get().info().startInstant();
    // start times are kept to the clock tick: allow a little
    return start.isEmpty() || !start.get().isAfter(created.plusSeconds(2));
  }
}

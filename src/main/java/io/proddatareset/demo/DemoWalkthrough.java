package io.proddatareset.demo;

import io.proddatareset.catalog.TableName;
import io.proddatareset.reset.TableFingerprint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The demo's walkthrough: its steps (each a command line of the tool, in order), the files they
 * write (backups, manifests, the audit log) in a working directory, with a directory of its own for
 * the embedded server, and the comparison at the end of every table before and after. {@link
 * #close} removes the server's directory, and the working directory unless it was asked to be kept.
 *
 * @param work where the steps write their files
 * @param server where the embedded server keeps its binaries and data
 * @param kept true when the working directory is kept after {@link #close}
 */
public record DemoWalkthrough(Path work, Path server, boolean kept) implements AutoCloseable {

  /**
   * One step.
   *
   * @param note what to say before the step, or null
   */
  public record Step(String title, List<String> args, String note) {}

  /**
   * Makes the directories: the working directory in {@code keepIn} (kept), or a temporary one.
   *
   * @throws IOException when a directory cannot be made
   */
  public static DemoWalkthrough create(Path keepIn) throws IOException {
    Path work =
        keepIn != null
            ? Files.createDirectories(keepIn.toAbsolutePath())
            : Files.createTempDirectory("prod-data-reset-demo-");
    Path server = Files.createTempDirectory("prod-data-reset-demo-server-");
    return new DemoWalkthrough(work, server, keepIn != null);
  }

  /** The audit log the steps write. */
  public Path auditLog() {
    return work.resolve("audit.jsonl");
  }

  /** The steps against the database at {@code url}: plan, backup, reset, verify, restore. */
  public List<Step> steps(String url) {
    Path resetBackup = work.resolve("pm_agent-reset.sql.zst");
    // the command lines below name these by their keys
    Map<String, String> names =
        Map.of(
            "URL",
            url,
            "DB",
            DemoDatabase.DATABASE,
            "KEEP",
            "users,api_keys",
            "AUDIT",
            auditLog().toString(),
            "FULL",
            work.resolve("pm_agent-before.sql.gz").toString(),
            "RESET",
            resetBackup.toString(),
            "MANIFEST",
            resetBackup + ".manifest.json");
    return List.of(
        step(
            names, "1. Dry-run: what would a reset do? (reads only)", "plan --url URL --keep KEEP"),
        step(
            names,
            "2. A standalone backup of every table (verified after writing)",
            "backup --url URL --all --output FULL --audit-log AUDIT"),
        new Step(
            "3. Reset: lock, back up, truncate, check kept tables, commit, verify",
            words(
                names, "reset --url URL --keep KEEP --backup RESET --confirm DB --audit-log AUDIT"),
            "(The demo confirms the reset by passing --confirm "
                + DemoDatabase.DATABASE
                + "; at a terminal you would type the database name.)"),
        step(
            names,
            "4. Verify later, read-only, against the reset's manifest",
            "verify --url URL --keep KEEP --manifest MANIFEST"),
        step(
            names,
            "5. Preview the restore: what would go where, and what would refuse it (reads only)",
            "restore --dry-run RESET --url URL"),
        step(
            names,
            "6. Restore what the reset removed",
            "restore RESET --url URL --confirm DB --audit-log AUDIT"));
  }

  private static Step step(Map<String, String> names, String title, String commandLine) {
    return new Step(title, words(names, commandLine), null);
  }

  /** The words of {@code commandLine}, split at spaces, each key of {@code names} replaced. */
  private static List<String> words(Map<String, String> names, String commandLine) {
    return Arrays.stream(commandLine.split(" ")).map(w -> names.getOrDefault(w, w)).toList();
  }

  /**
   * One table compared, for the walkthrough's last step: is the data back?
   *
   * @param before its fingerprint before the reset ({@link DemoDatabase#fingerprints})
   * @param difference how the table differs after the restore, or null when it is the same
   */
  public record Comparison(TableFingerprint before, String difference) {
    public boolean same() {
      return difference == null;
    }
  }

  /** Each table of {@code before} against {@code after}, in the order of {@code before}. */
  public static List<Comparison> compare(
      Map<TableName, TableFingerprint> before, Map<TableName, TableFingerprint> after) {
    return before.values().stream()
        .map(
            b -> {
              TableFingerprint a = after.get(b.table());
              return new Comparison(
                  b, a == null ? b.table().display() + " is missing" : b.differenceFrom(a));
            })
        .toList();
  }

  /** Removes the server's directory, and the working directory unless it is kept; best effort. */
  @Override
  public void close() {
    deleteTree(server);
    if (!kept) {
      deleteTree(work);
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temporary directory
    }
  }
}

package io.proddatareset.reset;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.BackupManifest;
import io.proddatareset.backup.BackupOrigin;
import io.proddatareset.backup.DatabaseIdentity;
import io.proddatareset.backup.ManifestFile;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.Transactions;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.ResetPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code verify} check, read-only: every table the policy resets, and every table a reset's
 * manifest records as backed up, is empty; every kept table the manifest records still has its row
 * count and content hash. One {@code REPEATABLE READ, READ ONLY} transaction of its own on a
 * connection of its own ({@link Transactions#readOnlySnapshot}), rolled back: there is nothing to
 * keep.
 *
 * <p>When the manifest has the reset's marks ({@link ResetMarks}, written after its commit), rows
 * in a reset table are rows written since the reset committed, which holds, unless one equals a row
 * the backup beside the manifest holds (a pre-reset row back, which fails); a kept table that
 * differs changed since the reset. Without them (a plain backup's manifest, an older one, a reset
 * whose commit was not confirmed) every such row fails as above.
 */
public final class VerifyService {
  private VerifyService() {}

  /**
   * Runs the check on {@code connector}'s database.
   *
   * @param policy the reset's policy; may be empty when {@code manifestFile} is given
   * @param manifestFile the {@code FILE.manifest.json} a reset wrote, or null
   * @return the report, which says whether every check holds
   * @throws ExitException USAGE without a policy or manifest, for a manifest that cannot be read or
   *     that records no kept tables (not a reset's); REFUSED for the manifest of another database;
   *     VERIFICATION_FAILED when a table to check no longer exists; FAILURE when the database
   *     cannot be read
   */
  /**
   * The manifest's origin against the database {@code c} is on.
   *
   * @throws ExitException REFUSED when the manifest is of another database (nothing checked)
   */
  static BackupOrigin requireSameDatabase(Connection c, BackupManifest m) throws SQLException {
    BackupOrigin origin = new BackupOrigin(m, DatabaseIdentity.of(c));
    String difference = origin.difference("manifest");
    if (difference != null) {
      throw ExitException.refused(
          "Refusing to verify: "
              + difference
              + ". Nothing was checked: verify the database the reset ran on, with its own"
              + " manifest.");
    }
    return origin;
  }

  /** {@code Verification could not read TARGET: ...}: the database could not be read. */
  static ExitException couldNotRead(Connector connector, SQLException e) {
    return ExitException.failure(
        "Verification could not read "
            + connector.target().display()
            + ": "
            + ExitException.firstLine(e),
        e);
  }

  public static VerifyReport verify(Connector connector, Policy policy, Path manifestFile) {
    if (manifestFile == null && policy.empty()) {
      throw ExitException.usage(
          "Say what to verify: the reset's policy (--keep, --reset or --policy FILE, as given to"
              + " reset), or --manifest FILE.manifest.json from the reset (or both). Nothing was"
              + " checked.");
    }
    if (manifestFile == null && policy.selects()) {
      throw ExitException.usage(
          "A reset of rows (--where) is verified against the manifest it wrote: give --manifest"
              + " FILE.manifest.json (the rows it deleted, by key; rows the app writes since match"
              + " the selection legitimately). Nothing was checked.");
    }
    BackupManifest m = manifestFile == null ? null : readManifest(manifestFile);
    if (m != null && m.holdsSubset()) {
      // issue 13: a row reset's manifest: the deleted rows are not back
      return RowVerify.verify(connector, manifestFile, m);
    }
    List<TableFingerprint> kept = m == null ? List.of() : keptFrom(m);
    if (m != null && kept.isEmpty() && m.reset() == null) {
      throw ExitException.usage(
          manifestFile + " records no kept tables: it is not the manifest of a reset.");
    }
    AfterResetCheck.Against against =
        m == null || m.reset() == null ? null : against(manifestFile.toAbsolutePath(), m);
    Read read;
    try {
      read =
          Transactions.readOnlySnapshot(connector::open, c -> verify(c, policy, m, kept, against));
    } catch (SQLException e) {
      throw ExitException.failure(
          "Verification could not read " + connector.target().display() + ": " + e.getMessage(), e);
    }
    // the backup is read with the transaction ended
    return read.report() != null
        ? read.report()
        : AfterResetCheck.compare(read.seen(), read.database(), against);
  }

  /** What the snapshot showed: a finished report, or rows still to compare with the backup. */
  private record Read(String database, VerifyReport report, AfterResetCheck.Seen seen) {}

  /** The reset's marks in {@code m}, and its backup: the file the manifest names, beside it. */
  private static AfterResetCheck.Against against(Path manifestFile, BackupManifest m) {
    Path backup = manifestFile.resolveSibling(m.file() == null ? "" : m.file());
    return new AfterResetCheck.Against(
        ResetMarks.of(m.reset()),
        m.reset().restartIdentity(),
        backup,
        m,
        "The manifest names its backup "
            + m.file()
            + ", beside it: put the backup back as "
            + backup
            + ", or copy the manifest next to the backup and give that copy to --manifest; then"
            + " verify again.");
  }

  private static Read verify(
      Connection c,
      Policy policy,
      BackupManifest m,
      List<TableFingerprint> kept,
      AfterResetCheck.Against against)
      throws SQLException {
    String database = null;
    // the tables the policy resets, then those the reset backed up (and emptied)
    Set<TableName> reset = new LinkedHashSet<>();
    if (m != null) {
      database = requireSameDatabase(c, m).target().database();
    }
    if (!policy.empty()) {
      ResetPlan plan = PlanService.plan(c, policy, PlanOptions.estimates());
      database = plan.database();
      reset.addAll(plan.resetTables());
    }
    if (m != null) {
      m.tables().forEach(e -> reset.add(new TableName(e.schema(), e.table())));
    }
    List<TableName> all = new ArrayList<>(reset);
    kept.forEach(k -> all.add(k.table()));
    List<TableName> missing = Verifier.missing(c, all);
    if (!missing.isEmpty()) {
      throw new ExitException(
          ExitStatus.VERIFICATION_FAILED,
          "Verification failed: tables "
              + (m != null ? "recorded in the manifest " : "")
              + "no longer exist: "
              + String.join(", ", missing.stream().map(TableName::display).toList())
              + ".");
    }
    if (against == null) {
      return new Read(database, Verifier.verify(c, database, List.copyOf(reset), kept), null);
    }
    return new Read(database, null, AfterResetCheck.read(c, List.copyOf(reset), kept, against));
  }

  private static BackupManifest readManifest(Path file) {
    if (Files.isDirectory(file)) {
      throw ExitException.usage(file + " is a directory: give the manifest file (--manifest).");
    }
    try {
      return ManifestFile.read(file);
    } catch (NoSuchFileException e) {
      throw ExitException.usage("Cannot read the manifest " + file + ": no such file.");
    } catch (IOException e) {
      throw ExitException.usage(
          "Cannot read the manifest " + file + ": " + ExitException.firstLine(e) + ".");
    }
  }

  private static List<TableFingerprint> keptFrom(BackupManifest m) {
    return m.kept().stream()
        .map(k -> new TableFingerprint(new TableName(k.schema(), k.table()), k.rows(), k.hash()))
        .toList();
  }
}

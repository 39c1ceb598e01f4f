package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.BackupManifest;
import io.proddatareset.backup.BackupOrigin;
import io.proddatareset.backup.DatabaseIdentity;
import io.proddatareset.backup.ManifestFile;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.reset.TableFingerprint;
import io.proddatareset.reset.Verifier;
import io.proddatareset.reset.VerifyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code verify}: read-only check that the reset tables are empty and kept tables unchanged. */
@Command(
    name = "verify",
    description = {
      "Read-only check (SET TRANSACTION READ ONLY): every table the policy resets is empty. With"
          + " --manifest from a reset, every table the reset backed up is empty and every kept"
          + " table's row count and content hash are as recorded there before the reset; the"
          + " manifest must be of this database (name and system identifier).",
      "Give the policy (--keep, --reset, --policy), --manifest, or both. Exit 0 when all hold, 4"
          + " when a check fails (naming each table), 3 for a manifest of another database, 2"
          + " without a policy or manifest."
    })
public class VerifyCommand extends IoCommand {
  @Mixin TargetAndPolicy in;

  @Option(
      names = "--manifest",
      paramLabel = "FILE",
      description =
          "The FILE.manifest.json written by reset: check that the tables it backed up are empty"
              + " and the kept tables unchanged.")
  Path manifest;

  @Mixin JsonOption json;

  @Override
  public Integer call() {
    ConnectionTarget t = in.resolve(io);
    Policy p = in.policy.policy();
    if (manifest == null && p.empty()) {
      throw ExitException.usage(
          "Say what to verify: the reset's policy (--keep, --reset or --policy FILE, as given to"
              + " reset), or --manifest FILE.manifest.json from the reset (or both). Nothing was"
              + " checked.");
    }
    BackupManifest m = manifest == null ? null : readManifest(manifest);
    List<TableFingerprint> kept = m == null ? List.of() : keptFrom(m);
    if (m != null && kept.isEmpty()) {
      throw ExitException.usage(
          manifest + " records no kept tables: it is not the manifest of a reset.");
    }
    VerifyReport report;
    try (Connection c = new Connector(t).open()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try {
        String database;
        // the tables the policy resets, then those the reset backed up (and emptied)
        Set<TableName> reset = new LinkedHashSet<>();
        if (m != null) {
          BackupOrigin origin = new BackupOrigin(m, DatabaseIdentity.of(c));
          String difference = origin.difference("manifest");
          if (difference != null) {
            throw ExitException.refused(
                "Refusing to verify: "
                    + difference
                    + ". Nothing was checked: verify the database the reset ran on, with its own"
                    + " manifest.");
          }
          database = origin.target().database();
        } else {
          database = null;
        }
        if (!p.empty()) {
          ResetPlan plan = PlanService.plan(c, p, PlanOptions.estimates());
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
        report = Verifier.verify(c, database, List.copyOf(reset), kept);
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw ExitException.failure(
          "Verification could not read " + t.display() + ": " + e.getMessage(), e);
    }
    io.out()
        .print(
            json.json
                ? VerifyText.json(report, t.display()) + "\n"
                : VerifyText.render(report, t.display()));
    io.out().flush();
    if (!report.ok()) {
      throw new ExitException(
          ExitStatus.VERIFICATION_FAILED,
          "Verification failed: "
              + String.join(
                  "; ", report.failures().stream().map(VerifyReport.Check::problem).toList())
              + ".");
    }
    return 0;
  }

  private static BackupManifest readManifest(Path file) {
    if (Files.isDirectory(file)) {
      throw ExitException.usage(file + " is a directory: give the manifest file (--manifest).");
    }
    try {
      return ManifestFile.read(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw ExitException.usage("Cannot read the manifest " + file + ": no such file.");
    } catch (java.io.IOException e) {
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

package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.BackupManifest;
import io.proddatareset.backup.ManifestFile;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.reset.TableFingerprint;
import io.proddatareset.reset.Verifier;
import io.proddatareset.reset.VerifyReport;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verify}: read-only check that the reset tables are empty and kept tables unchanged. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Read-only check (SET TRANSACTION READ ONLY): every table the policy resets is empty. With"
          + " --manifest from a reset, also every kept table's row count and content hash recorded"
          + " there before the reset.",
      "Exit 0 when all hold, 4 otherwise, naming each table that fails."
    })
public class VerifyCommand extends IoCommand {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "URL",
      description = "Database URL; same as --url.")
  String positionalUrl;

  @Mixin TargetOptions target;
  @Mixin PolicyOptions policy;

  @Option(
      names = "--manifest",
      paramLabel = "FILE",
      description =
          "The FILE.manifest.json written by reset: check the kept tables against it too.")
  Path manifest;

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    ConnectionTarget t = target.resolve(positionalUrl, io);
    List<TableFingerprint> kept = manifest == null ? List.of() : keptFrom(readManifest(manifest));
    if (manifest != null && kept.isEmpty()) {
      throw ExitException.usage(
          manifest + " records no kept tables: it is not the manifest of a reset.");
    }
    VerifyReport report;
    try (Connection c = new Connector(t).open()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try {
        ResetPlan plan = PlanService.plan(c, policy.policy(), true);
        report = Verifier.verify(c, plan.database(), plan.resetTables(), existing(plan, kept));
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw ExitException.failure(
          "Verification could not read " + t.display() + ": " + e.getMessage(), e);
    }
    io.out()
        .print(
            json
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
    try {
      return ManifestFile.read(file);
    } catch (java.io.IOException e) {
      throw ExitException.usage("Cannot read the manifest " + file + ": " + e.getMessage());
    }
  }

  private static List<TableFingerprint> keptFrom(BackupManifest m) {
    return m.kept().stream()
        .map(k -> new TableFingerprint(new TableName(k.schema(), k.table()), k.rows(), k.hash()))
        .toList();
  }

  /** A kept table that no longer exists cannot be fingerprinted: that is itself a failure. */
  private static List<TableFingerprint> existing(ResetPlan plan, List<TableFingerprint> kept) {
    List<TableFingerprint> missing =
        kept.stream().filter(k -> plan.catalog().table(k.table()).isEmpty()).toList();
    if (!missing.isEmpty()) {
      throw new ExitException(
          ExitStatus.VERIFICATION_FAILED,
          "Kept tables recorded in the manifest no longer exist: "
              + String.join(", ", missing.stream().map(k -> k.table().display()).toList())
              + ".");
    }
    return kept;
  }
}

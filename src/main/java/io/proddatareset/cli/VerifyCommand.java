package io.proddatareset.cli;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Connector;
import io.proddatareset.reset.VerifyReport;
import io.proddatareset.reset.VerifyService;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code verify}: read-only check that the reset tables are empty and kept tables unchanged. */
@Command(
    name = "verify",
    description = {
      "Read-only check (SET TRANSACTION READ ONLY): every table the policy resets is empty. With"
          + " --manifest from a reset, every table the reset backed up holds only rows written"
          + " since the reset committed (told by the storage and commit the manifest records),"
          + " none of them equal to a row in the backup beside the manifest (by primary key, or"
          + " every column where there is none), and every kept table's row count and content"
          + " hash are as at the commit or it is reported as changed since; the manifest must be"
          + " of this database (name and system identifier).",
      "After a reset of rows (--where), --manifest checks that none of the deleted rows is back"
          + " (by key, against its backup) and counts the rows matching since as written by the"
          + " app.",
      "Give the policy (--keep, --reset, --policy), --manifest, or both. Exit 0 when all hold, 4"
          + " when a check fails (naming each table: a removed row back, or a backup that cannot"
          + " be read while a reset table has rows), 3 for a manifest of another database, 2"
          + " without a policy or manifest."
    })
public class VerifyCommand extends IoCommand {
  @Mixin TargetAndPolicy in;

  @Option(
      names = "--manifest",
      paramLabel = "FILE",
      description =
          "The FILE.manifest.json written by reset (its backup beside it): check that the tables"
              + " it backed up hold no row it removed and the kept tables are unchanged or changed"
              + " only since the reset.")
  Path manifest;

  @Mixin RowSelectionOptions rows;

  @Mixin JsonOption json;

  @Override
  public Integer call() {
    ConnectionTarget t = in.resolve(io);
    VerifyReport report =
        VerifyService.verify(new Connector(t), rows.addTo(in.policy.policy()), manifest);
    io.out()
        .print(
            json.json
                ? VerifyJson.render(report, t.display()) + "\n"
                : VerifyText.render(report, t.display()));
    io.out().flush();
    if (!report.ok()) {
      throw new ExitException(
          ExitStatus.VERIFICATION_FAILED,
          "Verification failed: " + VerifyText.problems(report) + ".");
    }
    return 0;
  }
}

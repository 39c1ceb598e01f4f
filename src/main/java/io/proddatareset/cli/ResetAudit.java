package io.proddatareset.cli;

import io.proddatareset.audit.AuditTrail;
import io.proddatareset.plan.AppCost;
import io.proddatareset.reset.ResetResult;
import java.util.function.Consumer;

/** What a committed reset puts in its audit trail. */
final class ResetAudit {
  private ResetAudit() {}

  /**
   * Records the backup, the tables and rows, and the final phase (what the next plan's estimate of
   * the app's wait is measured from), then the success; {@code warn} hears a failure to write it.
   */
  static void committed(AuditTrail audit, ResetResult committed, Consumer<String> warn) {
    var b = committed.backup();
    if (b != null) {
      audit.backup(b.file().toString(), b.manifest().fileSha256());
    }
    audit.tables(ResetText.rows(committed.plan()));
    audit.finalPhase(committed.finalPhaseMillis(), AppCost.resetBytes(committed.plan()));
    audit.succeededAfterCommit(warn);
  }
}

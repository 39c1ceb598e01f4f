package io.proddatareset.reset;

import io.proddatareset.catalog.TableName;
import java.util.List;

/**
 * The outcome of a read-only verification: every reset table is empty, and every kept table for
 * which a fingerprint was recorded still has it.
 */
public record VerifyReport(String database, List<Check> checks) {
  public VerifyReport {
    checks = List.copyOf(checks);
  }

  /** One table's check. {@code problem} is null when it holds. */
  public record Check(TableName table, String kind, long rows, String problem) {
    public boolean ok() {
      return problem == null;
    }
  }

  public boolean ok() {
    return checks.stream().allMatch(Check::ok);
  }

  public List<Check> failures() {
    return checks.stream().filter(c -> !c.ok()).toList();
  }
}

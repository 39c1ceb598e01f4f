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

  /** What a check expects of its table. */
  public enum Kind {
    /** a reset table: it must be empty */
    RESET,
    /** a kept table: its fingerprint must be unchanged */
    KEPT;

    /** The lower-case word shown in text and JSON: reset, kept. */
    public String word() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One table's check. {@code problem} is null when it holds. */
  public record Check(TableName table, Kind kind, long rows, String problem) {
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

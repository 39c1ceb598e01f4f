package io.proddatareset.plan;

import java.util.Locale;

/** What the plan does with a table. */
public enum Action {
  RESET,
  KEEP,
  /** Named in neither list although both were given: the plan is refused. */
  UNCLASSIFIED;

  /** The lower-case word shown in text and JSON: reset, keep, unclassified. */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }
}

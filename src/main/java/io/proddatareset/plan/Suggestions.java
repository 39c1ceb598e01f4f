package io.proddatareset.plan;

import io.proddatareset.EditDistance;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** Finds the closest known name to a mistyped one (Levenshtein distance, case-insensitive). */
final class Suggestions {
  private Suggestions() {}

  /**
   * The candidate closest to {@code typed}, if it is close enough to be a plausible typo: at most a
   * third of the longer name's length in edits (and at least two, so {@code usres} finds {@code
   * users}). Ties go to the candidate that sorts first.
   */
  static Optional<String> closest(String typed, Collection<String> candidates) {
    String a = typed.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates.stream().sorted().toList()) {
      int d = EditDistance.between(a, candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    int limit = Math.max(2, Math.max(a.length(), best.length()) / 3);
    return bestDistance <= limit ? Optional.of(best) : Optional.empty();
  }
}

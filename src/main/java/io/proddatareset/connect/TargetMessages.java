package io.proddatareset.connect;

import io.proddatareset.EditDistance;
import io.proddatareset.ExitException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parts of the parse errors that URLs and key=value strings share. No message quotes what was
 * given verbatim: it names a parameter only when it is a known keyword, and says what is wrong by
 * position ("the 2nd URL parameter"), since a cut in the wrong place may make any piece of the text
 * part of a password.
 */
final class TargetMessages {
  static final String ENCODING_HELP =
      "percent-encode these characters in a user name or password: # as %23, ? as %3F, / as %2F,"
          + " @ as %40, : as %3A, & as %26, a space as %20 and % itself as %25; or leave the"
          + " password out of the URL and set PGPASSWORD or put it in ~/.pgpass";

  /** Makes the parse error of one target, which shows that target masked, from what is wrong. */
  interface Bad {
    ExitException because(String why);
  }

  private TargetMessages() {}

  /**
   * Fails for a key that is not taken; names it only when it is a known keyword.
   *
   * @param position where the key stands, e.g. "the 2nd URL parameter"
   * @param shown the whole target, masked
   * @param kind what the target is, e.g. "database URL"
   */
  static void checkKey(String key, String position, String shown, String kind) {
    if (ConnectionParameters.isKnownKey(key)) {
      return;
    }
    if (ConnectionParameters.NOT_SUPPORTED.contains(key)) {
      throw ExitException.usage(
          "Cannot use the "
              + kind
              + " "
              + shown
              + ": the connection parameter '"
              + key
              + "' is not supported; supported are "
              + supportedKeys()
              + ".");
    }
    String suggestion = suggestion(key);
    throw ExitException.usage(
        "Cannot parse the "
            + kind
            + " "
            + shown
            + ": "
            + position
            + " is not a connection parameter prod-data-reset knows"
            + (suggestion == null ? "" : " (did you mean " + suggestion + "?)")
            + "; its name and value are not shown, as they may hold a secret. Supported are "
            + supportedKeys()
            + ".");
  }

  private static String supportedKeys() {
    Set<String> keys = new TreeSet<>(ConnectionParameters.OWN);
    keys.remove("connecttimeout");
    keys.addAll(ConnectionParameters.passedOnNames());
    return String.join(", ", keys);
  }

  private static String suggestion(String key) {
    if (Redaction.isSecretKey(key)) {
      return "password";
    }
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    // the parameters taken here first: on a tie they win
    for (Set<String> names :
        List.of(ConnectionParameters.OWN, ConnectionParameters.PASSTHROUGH.keySet())) {
      for (String known : new TreeSet<>(names)) {
        int d = EditDistance.between(key, known);
        if (d < bestDistance) {
          best = known;
          bestDistance = d;
        }
      }
    }
    return bestDistance <= Math.max(1, Math.min(2, key.length() / 3)) ? best : null;
  }

  /** 1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st. */
  static String ordinal(int n) {
    int mod100 = n % 100;
    String suffix =
        mod100 >= 11 && mod100 <= 13
            ? "th"
            : switch (n % 10) {
              case 1 -> "st";
              case 2 -> "nd";
              case 3 -> "rd";
              default -> "th";
            };
    return n + suffix;
  }
}

package io.proddatareset.connect;

import java.util.Locale;

/**
 * A database URL as parse errors show it: with everything that might be a secret masked, under
 * either reading of an ambiguous URL (the user-info ending at the first {@code @} before the first
 * {@code /} or {@code ?}, or at the last {@code @}). Masked are the password of the user-info, what
 * follows {@code host:} when it is no port, the value of a password-like parameter and every
 * parameter that is not a known keyword.
 */
final class UrlMask {
  private UrlMask() {}

  /**
   * @param scheme the scheme with its {@code ://}, shown as it is
   * @param rest the text after the scheme
   * @param otherReadingAt the last {@code @} when the URL may also be read as ending its user-info
   *     there, else -1
   */
  static String masked(String scheme, String rest, int otherReadingAt) {
    int n = rest.length();
    boolean[] hide = new boolean[n];
    hideStandard(rest, hide, 0, n, true);
    if (otherReadingAt >= 0) {
      hideUserInfo(rest, hide, 0, otherReadingAt);
      hideStandard(rest, hide, otherReadingAt + 1, n, false);
    }
    StringBuilder sb = new StringBuilder(scheme);
    for (int i = 0; i < n; i++) {
      if (!hide[i]) {
        sb.append(rest.charAt(i));
      } else if (i == 0 || !hide[i - 1]) {
        sb.append("***");
      }
    }
    return sb.toString();
  }

  /** Masks, in rest[from, to), the password of the user-info and the secret parameters. */
  private static void hideStandard(
      String rest, boolean[] hide, int from, int to, boolean withUserInfo) {
    int delimiter = firstOf(rest, from, "/?");
    if (delimiter < 0 || delimiter > to) {
      delimiter = to;
    }
    int hostStart = from;
    if (withUserInfo) {
      int at = rest.lastIndexOf('@', delimiter - 1);
      if (at >= from) {
        hideUserInfo(rest, hide, from, at);
        hostStart = at + 1;
      }
    }
    // what follows host: and is no port may be a password whose '@' and host are missing
    int colon = rest.lastIndexOf(':', delimiter - 1);
    if (colon >= hostStart
        && rest.lastIndexOf(']', delimiter - 1) < colon
        && !rest.substring(colon + 1, delimiter).matches("\\d{0,5}")) {
      fill(hide, colon + 1, delimiter);
    }
    int query = rest.indexOf('?', delimiter);
    if (query < 0 || query >= to) {
      return;
    }
    int start = query + 1;
    while (start <= to) {
      int end = rest.indexOf('&', start);
      if (end < 0 || end > to) {
        end = to;
      }
      int eq = rest.indexOf('=', start);
      if (eq < 0 || eq >= end) {
        fill(hide, start, end);
      } else {
        String key = rest.substring(start, eq).toLowerCase(Locale.ROOT);
        if (ConnectionParameters.isNamedSecretKey(key)) {
          fill(hide, eq + 1, end);
        } else if (!ConnectionParameters.isShownKey(key)) {
          fill(hide, start, end);
        }
      }
      start = end + 1;
    }
  }

  /** Masks the user-info rest[from, at): all of it but a plain user name before a ':'. */
  private static void hideUserInfo(String rest, boolean[] hide, int from, int at) {
    int colon = rest.indexOf(':', from);
    int delimiter = firstOf(rest, from, "/?#@");
    if (colon >= 0 && colon < at && (delimiter < 0 || colon < delimiter)) {
      fill(hide, colon + 1, at);
    } else if (colon >= 0 && colon < at || delimiter >= 0 && delimiter < at) {
      fill(hide, from, at);
    }
  }

  /** The index of the first of {@code chars} in s from {@code from} on, or -1. */
  static int firstOf(String s, int from, String chars) {
    for (int i = Math.max(0, from); i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  private static void fill(boolean[] hide, int from, int to) {
    for (int i = Math.max(0, from); i < Math.min(hide.length, to); i++) {
      hide[i] = true;
    }
  }
}

package io.proddatareset.connect;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place where targets and connection strings are made safe to show. Every renderer, log
 * line, manifest and audit record goes through here.
 */
public final class Redaction {
  private static final String MASK = "***";

  // "password": "..." in JSON
  private static final Pattern JSON_SECRET =
      Pattern.compile("\"([\\w.-]{1,64})\"\\s*+:\\s*+\"((?:[^\"\\\\]++|\\\\.)*+)\"");
  private static final Pattern BEARER = Pattern.compile("(?i)(Bearer\\s+)([A-Za-z0-9._~+/=-]+)");
  // Render API keys start with rnd_
  private static final Pattern RENDER_KEY = Pattern.compile("\\brnd_[A-Za-z0-9]+");

  // secret values learnt at run time (a Render API key, a password fetched from the Render API):
  // masked wherever they appear, whatever the text around them looks like
  private static final Set<String> KNOWN_SECRETS = ConcurrentHashMap.newKeySet();

  private Redaction() {}

  /**
   * Registers a secret value that every later {@link #redact} call in this process masks, in plain
   * and percent-encoded form. For values the patterns cannot recognise by their shape, such as an
   * API key or a password that arrived inside an HTTP response. Values shorter than 3 characters
   * are ignored (masking them would garble every message).
   */
  public static void addKnownSecret(String secret) {
    if (secret != null && secret.length() >= 3) {
      KNOWN_SECRETS.add(secret);
      String encoded = URLEncoder.encode(secret, StandardCharsets.UTF_8);
      KNOWN_SECRETS.add(encoded);
      KNOWN_SECRETS.add(encoded.replace("+", "%20"));
    }
  }

  /** Describes a target without its password: {@code postgresql://user@host:port/database}. */
  public static String describe(ConnectionTarget target) {
    StringBuilder sb = new StringBuilder("postgresql://");
    if (target.user() != null && !target.user().isEmpty()) {
      sb.append(target.user()).append('@');
    }
    sb.append(target.host().contains(":") ? "[" + target.host() + "]" : target.host());
    sb.append(':').append(target.port()).append('/').append(target.database());
    return sb.toString();
  }

  /**
   * Removes anything that looks like a secret from free text: passwords in URIs, query strings and
   * key=value strings, bearer tokens and API keys. Safe to apply to any message before it is shown.
   * Every rule marks what it takes for a secret on the original text and all marks are masked
   * together, so that one rule's mask cannot hide from another the shape it looks for (a {@code
   * password=p@ss} in a query must not end a URI's user-info at its {@code @} and show {@code ss}).
   */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    BitSet hide = new BitSet(text.length());
    markUriPasswords(text, hide);
    markKeyValueSecrets(text, hide);
    markMatches(JSON_SECRET, text, hide, 2, true);
    markMatches(BEARER, text, hide, 2, false);
    markMatches(RENDER_KEY, text, hide, 0, false);
    for (String secret : KNOWN_SECRETS) {
      for (int i = text.indexOf(secret); i >= 0; i = text.indexOf(secret, i + 1)) {
        hide.set(i, i + secret.length());
      }
    }
    if (hide.isEmpty()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int copied = 0;
    for (int from = hide.nextSetBit(0); from >= 0; from = hide.nextSetBit(copied)) {
      out.append(text, copied, from).append(MASK);
      copied = hide.nextClearBit(from);
    }
    return out.append(text, copied, text.length()).toString();
  }

  /**
   * True for a parameter name that may carry a secret, whatever its spelling: {@code password},
   * {@code passwrd}, {@code PGPASSWORD}, {@code pwd}, {@code client_secret}, {@code token}, {@code
   * api_key}.
   */
  public static boolean isSecretKey(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("pass")
        || k.contains("pwd")
        || k.contains("secret")
        || k.contains("token")
        || k.contains("credential")
        || k.replace("_", "").replace("-", "").contains("apikey");
  }

  private static void markMatches(
      Pattern pattern, String text, BitSet hide, int group, boolean keyInGroupOne) {
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      if (!keyInGroupOne || isSecretKey(m.group(1))) {
        hide.set(m.start(group), m.end(group));
      }
    }
  }

  /**
   * scheme://user:password@ marks password, up to the last {@code @} before the next whitespace: an
   * unencoded {@code @}, {@code /}, {@code ?} or {@code #} in a password must not leak its tail,
   * and masking too much is the safe side. When no {@code @} follows in that word and what follows
   * the colon is no port (nor a mask already), the password may hold a space: a later word on the
   * same line with an {@code @} ends it. Written out rather than as a regular expression because
   * the expression backtracked quadratically on long runs of letters and digits, and audit records
   * and messages may carry such text.
   */
  private static void markUriPasswords(String text, BitSet hide) {
    int n = text.length();
    int from = 0;
    while (true) {
      int sep = text.indexOf("://", from);
      if (sep < 0) {
        break;
      }
      int userStart = sep + 3;
      int schemeStart = sep;
      while (schemeStart > 0 && isSchemeChar(text.charAt(schemeStart - 1))) {
        schemeStart--;
      }
      boolean scheme = false;
      for (int k = schemeStart; k < sep && !scheme; k++) {
        scheme = isAsciiLetter(text.charAt(k));
      }
      if (!scheme) {
        from = userStart;
        continue;
      }
      int colon = userStart;
      while (colon < n && "/:@?#".indexOf(text.charAt(colon)) < 0 && !isSpace(text.charAt(colon))) {
        colon++;
      }
      if (colon >= n || text.charAt(colon) != ':') {
        from = userStart;
        continue;
      }
      int runEnd = colon + 1;
      while (runEnd < n && !isSpace(text.charAt(runEnd))) {
        runEnd++;
      }
      int at = text.lastIndexOf('@', runEnd - 1);
      if (at <= colon && !isPort(text, colon + 1, runEnd) && !text.startsWith(MASK, colon + 1)) {
        at = atInLaterWord(text, runEnd);
      }
      if (at <= colon) {
        // no @ in the rest of this run: no later scheme:// inside it can have one either
        from = runEnd;
        continue;
      }
      hide.set(colon + 1, at);
      from = at + 1;
    }
  }

  /** The last @ of one of the next few words on this line, before any other URL; else -1. */
  private static int atInLaterWord(String text, int from) {
    int n = text.length();
    int i = from;
    for (int words = 0; words < 4; words++) {
      while (i < n && isSpace(text.charAt(i)) && text.charAt(i) != '\n') {
        i++;
      }
      if (i >= n || text.charAt(i) == '\n') {
        return -1;
      }
      int end = i;
      while (end < n && !isSpace(text.charAt(end))) {
        end++;
      }
      String word = text.substring(i, end);
      if (word.contains("://")) {
        return -1;
      }
      int at = word.lastIndexOf('@');
      if (at >= 0) {
        return i + at;
      }
      i = end;
    }
    return -1;
  }

  /** Digits (or nothing) up to the end or a '/' or '?': the port of scheme://host:port/db. */
  private static boolean isPort(String text, int from, int to) {
    int i = from;
    while (i < to && i - from <= 5 && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
      i++;
    }
    return i == to || text.charAt(i) == '/' || text.charAt(i) == '?';
  }

  /**
   * key=value and key = value with a password-like key: the value, quoted ('...' or "...", with
   * backslash escapes; an unclosed quote runs to the end of the line) or up to the next whitespace
   * or the {@code &} of the next parameter.
   */
  private static void markKeyValueSecrets(String text, BitSet hide) {
    int n = text.length();
    for (int eq = text.indexOf('='); eq >= 0; eq = text.indexOf('=', eq + 1)) {
      int k = eq - 1;
      while (k >= 0 && text.charAt(k) == ' ') {
        k--;
      }
      int keyEnd = k + 1;
      while (k >= 0 && isKeyChar(text.charAt(k))) {
        k--;
      }
      if (k + 1 == keyEnd || !isSecretKey(text.substring(k + 1, keyEnd))) {
        continue;
      }
      int v = eq + 1;
      while (v < n && text.charAt(v) == ' ') {
        v++;
      }
      if (v >= n) {
        continue;
      }
      char quote = text.charAt(v);
      int end;
      if (text.startsWith(MASK, v)) {
        // masked already (a message that went through here or through TargetParser): leave what
        // follows the mask, such as the ": reason" of the message, alone
        end = v + MASK.length();
      } else if (quote == '\'' || quote == '"') {
        end = v + 1;
        while (end < n && text.charAt(end) != quote && text.charAt(end) != '\n') {
          end += text.charAt(end) == '\\' && end + 1 < n ? 2 : 1;
        }
        end = end < n && text.charAt(end) == quote ? end + 1 : Math.min(end, n);
      } else {
        end = valueEnd(text, v);
        // "&rest" with no '=' is no next parameter but the rest of a password with an '&' in it
        while (end < n && text.charAt(end) == '&') {
          int next = valueEnd(text, end + 1);
          if (text.substring(end + 1, next).indexOf('=') >= 0) {
            break;
          }
          end = next;
        }
      }
      if (end > v) {
        hide.set(v, end);
      }
    }
  }

  private static int valueEnd(String text, int from) {
    int end = from;
    while (end < text.length() && !isSpace(text.charAt(end)) && text.charAt(end) != '&') {
      end++;
    }
    return end;
  }

  private static boolean isKeyChar(char c) {
    return isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  }

  private static boolean isSchemeChar(char c) {
    return isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-';
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  // the characters of the regular expression class \s
  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
  }

  /** Removes one known secret value wherever it appears, in addition to {@link #redact}. */
  public static String redact(String text, String secret) {
    String s = redact(text);
    if (s != null && secret != null && secret.length() >= 3) {
      s = s.replace(secret, MASK);
    }
    return s;
  }
}

package io.proddatareset.connect;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
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

  // password=... in a query string or a key=value string, quoted or not
  private static final Pattern KEY_VALUE_SECRET =
      Pattern.compile(
          "(?i)\\b(password|passwd|pass|pwd|sslpassword|api[_-]?key|token)(\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'|[^&\\s;]*)");
  private static final Pattern BEARER = Pattern.compile("(?i)(Bearer\\s+)[A-Za-z0-9._~+/=-]+");
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
   */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    String s = maskUriPasswords(text);
    s =
        KEY_VALUE_SECRET
            .matcher(s)
            .replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + MASK));
    s = BEARER.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK));
    s = RENDER_KEY.matcher(s).replaceAll(MASK);
    if (!KNOWN_SECRETS.isEmpty()) {
      // longest first, so a secret containing another is masked whole
      for (String secret :
          KNOWN_SECRETS.stream()
              .sorted(Comparator.comparingInt(String::length).reversed())
              .toList()) {
        s = s.replace(secret, MASK);
      }
    }
    return s;
  }

  /**
   * scheme://user:password@ becomes scheme://user:***@, masking up to the last {@code @} before the
   * next whitespace: an unencoded {@code @} in a password must not leak its tail, and masking too
   * much is the safe side. Written out rather than as a regular expression because the expression
   * backtracked quadratically on long runs of letters and digits, and audit records and messages
   * may carry such text.
   */
  private static String maskUriPasswords(String text) {
    int n = text.length();
    StringBuilder out = null;
    int copied = 0;
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
      if (at <= colon) {
        // no @ in the rest of this run: no later scheme:// inside it can have one either
        from = runEnd;
        continue;
      }
      if (out == null) {
        out = new StringBuilder(n);
      }
      out.append(text, copied, colon + 1).append(MASK);
      copied = at;
      from = at + 1;
    }
    if (out == null) {
      return text;
    }
    return out.append(text, copied, n).toString();
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

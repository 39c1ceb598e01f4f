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

  // scheme://user:password@ -> scheme://user:***@ (greedy to the last @: an unencoded @ in a
  // password must not leak its tail; masking too much is the safe side)
  private static final Pattern URI_USERINFO =
      Pattern.compile("(?i)([a-z][a-z0-9+.-]*://[^/:@\\s?#]*):(\\S*)@");
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
    String s =
        URI_USERINFO
            .matcher(text)
            .replaceAll(m -> Matcher.quoteReplacement(m.group(1) + ":" + MASK + "@"));
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

  /** Removes one known secret value wherever it appears, in addition to {@link #redact}. */
  public static String redact(String text, String secret) {
    String s = redact(text);
    if (s != null && secret != null && secret.length() >= 3) {
      s = s.replace(secret, MASK);
    }
    return s;
  }
}

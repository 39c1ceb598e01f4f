package io.proddatareset.connect;

import static io.proddatareset.connect.TargetMessages.ENCODING_HELP;
import static io.proddatareset.connect.TargetMessages.ordinal;

import io.proddatareset.ExitException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A libpq URI ({@code postgres://}, {@code postgresql://}) or a JDBC URL ({@code
 * jdbc:postgresql://}): the text after {@code scheme://}. One parser reads both, since they differ
 * only in where the user name and password go (the user-info of a libpq URI; the {@code user} and
 * {@code password} parameters of a JDBC URL) and in the ambiguity an unencoded {@code @} makes.
 */
final class UrlTarget {
  private final String scheme;
  private final String rest;
  private final boolean libpq;
  private final int lastAt;
  private final int firstDelimiter;
  private String shown;

  /**
   * @param scheme the scheme with its {@code ://}
   * @param rest the text after it
   * @param libpq true for a libpq URI, false for a JDBC URL
   */
  UrlTarget(String scheme, String rest, boolean libpq) {
    this.scheme = scheme;
    this.rest = rest;
    this.libpq = libpq;
    this.lastAt = rest.lastIndexOf('@');
    this.firstDelimiter = UrlMask.firstOf(rest, 0, "/?");
  }

  ConnectionTarget parse() {
    // an '@' after the first '/' or '?' is either in the database name or a parameter, or it
    // ends a user-info that holds an unencoded '/' or '?': the standard reading cuts the
    // password and would show part of it as host, port or database
    boolean ambiguous = isAmbiguous();
    if (rest.indexOf('#') >= 0) {
      throw bad(
          "it holds a '#', which a URL cannot carry unencoded (it would start a fragment, and"
              + " libpq and PgJDBC read it differently); "
              + ENCODING_HELP);
    }
    ConnectionTarget target;
    try {
      target = parseStandard();
    } catch (ExitException e) {
      if (ambiguous) {
        throw ambiguous();
      }
      throw e;
    }
    int query = rest.indexOf('?');
    if (ambiguous && (query < 0 || lastAt < query)) {
      // an '@' in the database name: far more likely the end of a password with a '/' in it
      throw ambiguous();
    }
    return target;
  }

  private boolean isAmbiguous() {
    return libpq && lastAt >= 0 && firstDelimiter >= 0 && lastAt > firstDelimiter;
  }

  private ExitException ambiguous() {
    return bad(
        "it holds an '@' after a '/' or '?', so a user name or password probably holds a"
            + " character that must be encoded; "
            + ENCODING_HELP
            + " (an '@' in a database name or parameter is written %40 too)");
  }

  private ConnectionTarget parseStandard() {
    String authority = firstDelimiter < 0 ? rest : rest.substring(0, firstDelimiter);
    String path = "";
    String query = null;
    if (firstDelimiter >= 0) {
      String after = rest.substring(firstDelimiter);
      int q = after.indexOf('?');
      if (q >= 0) {
        query = after.substring(q + 1);
        after = after.substring(0, q);
      }
      path = after.startsWith("/") ? after.substring(1) : after;
    }
    String user = null;
    String password = null;
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      if (!libpq) {
        throw bad(
            "a JDBC URL takes the user name and password as the URL parameters user and"
                + " password, not before the host");
      }
      String userInfo = authority.substring(0, at);
      authority = authority.substring(at + 1);
      int colon = userInfo.indexOf(':');
      if (colon >= 0) {
        user = decode(userInfo.substring(0, colon), "the user name");
        password = decode(userInfo.substring(colon + 1), "the password");
      } else {
        user = decode(userInfo, "the user name");
      }
    }
    if (authority.contains(",")) {
      throw bad("several hosts in one URL are not supported; name the primary");
    }
    String host;
    Integer port = null;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw bad("unclosed [ in an IPv6 host");
      }
      host = authority.substring(1, close);
      String after = authority.substring(close + 1);
      if (after.startsWith(":")) {
        port = parsePort(after.substring(1));
      } else if (!after.isEmpty()) {
        throw bad("unexpected text after the IPv6 host");
      }
    } else {
      int colon = authority.lastIndexOf(':');
      if (colon >= 0) {
        host = authority.substring(0, colon);
        port = parsePort(authority.substring(colon + 1));
      } else {
        host = authority;
      }
      host = decode(host, "the host");
    }
    String database = path.isEmpty() ? null : decode(path, "the database name");
    Map<String, String> params = new LinkedHashMap<>();
    if (query != null && !query.isEmpty()) {
      int n = 0;
      for (String pair : query.split("&", -1)) {
        n++;
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw bad(
              "the "
                  + ordinal(n)
                  + " URL parameter is not name=value; if it is the rest of a password or"
                  + " value, "
                  + ENCODING_HELP);
        }
        String key = decode(pair.substring(0, eq), "a parameter name").toLowerCase(Locale.ROOT);
        TargetMessages.checkKey(
            key, "the " + ordinal(n) + " URL parameter", shown(), "database URL");
        params.put(key, decode(pair.substring(eq + 1), "a parameter value"));
      }
    }
    return ConnectionParameters.target(host, port, database, user, password, params, this::bad);
  }

  private int parsePort(String text) {
    return ConnectionParameters.parsePort(text, this::bad);
  }

  private String decode(String s, String what) {
    try {
      // URLDecoder turns '+' into a space, which URIs do not: protect it first
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw bad(what + " has a '%' that starts no valid %XX code; " + ENCODING_HELP);
    }
  }

  private ExitException bad(String why) {
    return ExitException.usage("Cannot parse the database URL " + shown() + ": " + why + ".");
  }

  /** The URL with everything that might be a secret masked, under either reading of it. */
  private String shown() {
    if (shown == null) {
      shown = UrlMask.masked(scheme, rest, isAmbiguous() ? lastAt : -1);
    }
    return shown;
  }
}

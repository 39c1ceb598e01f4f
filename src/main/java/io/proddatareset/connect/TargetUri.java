package io.proddatareset.connect;

import io.proddatareset.ExitException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A target written as a libpq URI without its password, for a command the tool prints for the user
 * to run later: parsed again, it names the same host, port, database, user, TLS mode and connection
 * parameters. {@link Redaction#describe} is shorter, for reading; this is for running.
 */
public final class TargetUri {
  private TargetUri() {}

  /**
   * {@code postgresql://user@host:port/database?params}, with {@code sslmode} only when it is not
   * the default for the host, and never the password. Empty when the URI would not parse back to
   * the same target (a parameter this class does not know how to write), so that a caller never
   * prints a command that connects somewhere else or in another way.
   */
  public static Optional<String> withoutPassword(ConnectionTarget t) {
    StringBuilder sb = new StringBuilder("postgresql://");
    if (t.user() != null && !t.user().isEmpty()) {
      sb.append(encode(t.user())).append('@');
    }
    sb.append(t.host().contains(":") ? "[" + t.host() + "]" : encode(t.host()));
    sb.append(':').append(t.port()).append('/').append(encode(t.database()));
    Map<String, String> params = new TreeMap<>();
    String defaultMode = TargetParser.applySslDefault(t.withSslMode(null)).sslMode();
    if (t.sslMode() != null && !t.sslMode().equals(defaultMode)) {
      params.put("sslmode", t.sslMode());
    }
    t.extra().forEach((k, v) -> params.put(ConnectionParameters.libpqName(k), v));
    if (t.connectTimeout() != null) {
      // whole seconds, as libpq writes it; anything finer does not parse back and falls back
      params.put("connect_timeout", Long.toString(t.connectTimeout().toSeconds()));
    }
    char sep = '?';
    for (Map.Entry<String, String> p : params.entrySet()) {
      sb.append(sep).append(encode(p.getKey())).append('=').append(encode(p.getValue()));
      sep = '&';
    }
    String uri = sb.toString();
    ConnectionTarget back;
    try {
      back = TargetParser.parse(uri);
    } catch (ExitException e) {
      return Optional.empty();
    }
    boolean same =
        back.host().equals(t.host())
            && back.port() == t.port()
            && back.database().equals(t.database())
            && Objects.equals(back.user(), t.user())
            && Objects.equals(back.sslMode(), t.sslMode())
            && back.extra().equals(t.extra())
            && Objects.equals(back.connectTimeout(), t.connectTimeout());
    return same ? Optional.of(uri) : Optional.empty();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}

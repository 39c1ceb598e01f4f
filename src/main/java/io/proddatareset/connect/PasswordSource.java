package io.proddatareset.connect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Fills in a missing password the way libpq does: {@code PGPASSWORD}, then the password file
 * ({@code PGPASSFILE}, default {@code ~/.pgpass}). Also takes {@code PGUSER} when no user is given.
 */
public final class PasswordSource {
  private PasswordSource() {}

  public static ConnectionTarget complete(ConnectionTarget target, Map<String, String> env) {
    ConnectionTarget t = target;
    if (t.user() == null) {
      String user = env.get("PGUSER");
      t = t.withUser(user != null && !user.isEmpty() ? user : System.getProperty("user.name"));
    }
    if (t.password() != null) {
      return t;
    }
    String pw = env.get("PGPASSWORD");
    if (pw != null && !pw.isEmpty()) {
      return t.withPassword(pw);
    }
    Path file = passFile(env);
    if (file != null && Files.isReadable(file)) {
      try {
        String fromFile = lookup(Files.readAllLines(file), t);
        if (fromFile != null) {
          return t.withPassword(fromFile);
        }
      } catch (IOException e) {
        // an unreadable password file is ignored, as libpq does
      }
    }
    return t;
  }

  private static Path passFile(Map<String, String> env) {
    String explicit = env.get("PGPASSFILE");
    if (explicit != null && !explicit.isEmpty()) {
      return Path.of(explicit);
    }
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    return home == null ? null : Path.of(home, ".pgpass");
  }

  /** hostname:port:database:username:password, with * wildcards and \-escapes. */
  static String lookup(List<String> lines, ConnectionTarget t) {
    for (String line : lines) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = split(line);
      if (f.length != 5) {
        continue;
      }
      if (matches(f[0], t.host())
          && matches(f[1], Integer.toString(t.port()))
          && matches(f[2], t.database())
          && matches(f[3], t.user())) {
        return f[4];
      }
    }
    return null;
  }

  private static boolean matches(String pattern, String value) {
    return pattern.equals("*") || pattern.equals(value);
  }

  private static String[] split(String line) {
    java.util.ArrayList<String> fields = new java.util.ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        cur.append(line.charAt(++i));
      } else if (c == ':' && fields.size() < 4) {
        fields.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    fields.add(cur.toString());
    return fields.toArray(new String[0]);
  }
}

package io.proddatareset.connect;

import static io.proddatareset.connect.TargetMessages.ordinal;

import io.proddatareset.ExitException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A libpq key=value string ({@code host=db port=5432 password='a b'}): read into items first, so
 * that a parse error can show the string rebuilt with secret values and unknown or broken items
 * masked.
 */
final class KeyValueTarget {
  private final String text;
  private final List<Item> items = new ArrayList<>();
  private String shown;

  /** One key=value pair, a word without '=' (key null), or an unterminated quoted value. */
  private record Item(String key, String value, boolean quoted, boolean unterminated) {}

  KeyValueTarget(String text) {
    this.text = text;
    tokenize();
  }

  private void tokenize() {
    int i = 0;
    int n = text.length();
    while (i < n) {
      while (i < n && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      if (i >= n) {
        break;
      }
      int keyStart = i;
      while (i < n && text.charAt(i) != '=' && !Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      String key = text.substring(keyStart, i).toLowerCase(Locale.ROOT);
      int afterKey = i;
      while (i < n && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      if (i >= n || text.charAt(i) != '=' || key.isEmpty()) {
        // a word on its own: the rest of an unquoted value with a space, or garbage
        if (key.isEmpty()) {
          // a stray '=': skip it and what follows up to the next space
          i++;
          while (i < n && !Character.isWhitespace(text.charAt(i))) {
            i++;
          }
        } else {
          i = afterKey;
        }
        items.add(new Item(null, null, false, false));
        continue;
      }
      i++;
      while (i < n && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      StringBuilder value = new StringBuilder();
      if (i < n && text.charAt(i) == '\'') {
        i++;
        boolean closed = false;
        while (i < n) {
          char c = text.charAt(i++);
          if (c == '\\' && i < n) {
            value.append(text.charAt(i++));
          } else if (c == '\'') {
            closed = true;
            break;
          } else {
            value.append(c);
          }
        }
        items.add(new Item(key, value.toString(), true, !closed));
      } else {
        while (i < n && !Character.isWhitespace(text.charAt(i))) {
          char c = text.charAt(i++);
          if (c == '\\' && i < n) {
            value.append(text.charAt(i++));
          } else {
            value.append(c);
          }
        }
        items.add(new Item(key, value.toString(), false, false));
      }
    }
  }

  ConnectionTarget parse() {
    Map<String, String> params = new LinkedHashMap<>();
    int n = 0;
    for (Item item : items) {
      n++;
      if (item.key() == null) {
        throw bad(
            "the "
                + ordinal(n)
                + " item is not key=value; a value with a space goes in single quotes"
                + " (key='a b c'), with \\' for a quote and \\\\ for a backslash inside; or"
                + " leave the password out and set PGPASSWORD or use ~/.pgpass");
      }
      if (item.unterminated()) {
        throw bad(
            "the quoted value of the "
                + ordinal(n)
                + " item has no closing quote; a quote inside a value is written \\'");
      }
      TargetMessages.checkKey(
          item.key(), "the " + ordinal(n) + " item", shown(), "connection string");
      params.put(item.key(), item.value());
    }
    String host = params.remove("host");
    String hostaddr = params.remove("hostaddr");
    if (host == null) {
      host = hostaddr;
    }
    String portText = params.remove("port");
    Integer port = portText == null ? null : ConnectionParameters.parsePort(portText, this::bad);
    return ConnectionParameters.target(
        host,
        port,
        params.remove("dbname"),
        params.remove("user"),
        params.remove("password"),
        params,
        this::bad);
  }

  private ExitException bad(String why) {
    return ExitException.usage("Cannot parse the connection string " + shown() + ": " + why + ".");
  }

  /** The string rebuilt with secret values and unknown or broken items masked. */
  private String shown() {
    if (shown == null) {
      List<String> parts = new ArrayList<>();
      for (Item item : items) {
        String part;
        if (item.key() == null || item.unterminated()) {
          part = "***";
        } else if (ConnectionParameters.isNamedSecretKey(item.key())) {
          part = item.key() + "=***";
        } else if (!ConnectionParameters.isShownKey(item.key())) {
          part = "***";
        } else {
          part = item.key() + "=" + quote(item.value());
        }
        if (!(part.equals("***") && !parts.isEmpty() && parts.get(parts.size() - 1).equals(part))) {
          parts.add(part);
        }
      }
      shown = String.join(" ", parts);
    }
    return shown;
  }

  private static String quote(String value) {
    if (!value.isEmpty() && value.chars().noneMatch(c -> c == '\'' || c == '\\' || c <= ' ')) {
      return value;
    }
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}

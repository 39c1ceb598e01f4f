package io.proddatareset.backup;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads SQL identifiers as pg_dump writes them: {@code public.actor}, {@code public."Genre"},
 * {@code "My Schema"."a""b"}. Unquoted names fold to lower case, as the server folds them.
 */
final class SqlNames {
  private final String text;
  private int pos;

  SqlNames(String text, int pos) {
    this.text = text;
    this.pos = pos;
  }

  int pos() {
    return pos;
  }

  void skipSpaces() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  boolean peek(char c) {
    skipSpaces();
    return pos < text.length() && text.charAt(pos) == c;
  }

  void expect(char c) {
    if (!peek(c)) {
      throw new IllegalArgumentException("expected '" + c + "' at column " + (pos + 1));
    }
    pos++;
  }

  /** One identifier, quoted or not. */
  String identifier() {
    skipSpaces();
    if (pos >= text.length()) {
      throw new IllegalArgumentException("expected a name at column " + (pos + 1));
    }
    if (text.charAt(pos) == '"') {
      StringBuilder sb = new StringBuilder();
      int i = pos + 1;
      while (true) {
        if (i >= text.length()) {
          throw new IllegalArgumentException("unterminated quoted name");
        }
        char c = text.charAt(i);
        if (c == '"') {
          if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
            sb.append('"');
            i += 2;
            continue;
          }
          break;
        }
        sb.append(c);
        i++;
      }
      pos = i + 1;
      if (sb.isEmpty()) {
        throw new IllegalArgumentException("empty quoted name");
      }
      return sb.toString();
    }
    int start = pos;
    char first = text.charAt(pos);
    if (!(Character.isLetter(first) || first == '_')) {
      throw new IllegalArgumentException("expected a name at column " + (pos + 1));
    }
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (Character.isLetterOrDigit(c) || c == '_' || c == '$') {
        pos++;
      } else {
        break;
      }
    }
    return foldAscii(text.substring(start, pos));
  }

  /** {@code a.b} or {@code b}: returns [schema or null, name]. */
  String[] qualifiedName() {
    String first = identifier();
    if (pos < text.length() && text.charAt(pos) == '.') {
      pos++;
      return new String[] {first, identifier()};
    }
    return new String[] {null, first};
  }

  /** {@code (a, "B", c)}. */
  List<String> columnList() {
    expect('(');
    List<String> names = new ArrayList<>();
    if (peek(')')) {
      pos++;
      return names;
    }
    while (true) {
      names.add(identifier());
      skipSpaces();
      if (peek(',')) {
        pos++;
        continue;
      }
      expect(')');
      return names;
    }
  }

  boolean keyword(String word) {
    skipSpaces();
    if (text.regionMatches(true, pos, word, 0, word.length())) {
      int end = pos + word.length();
      if (end == text.length() || !Character.isLetterOrDigit(text.charAt(end))) {
        pos = end;
        return true;
      }
    }
    return false;
  }

  boolean atEnd() {
    skipSpaces();
    return pos >= text.length();
  }

  /** Lower-cases ASCII letters only, as the server's downcase_identifier does for UTF-8. */
  static String foldAscii(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
    }
    return sb.toString();
  }
}

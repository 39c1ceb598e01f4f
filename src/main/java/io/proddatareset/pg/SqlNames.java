package io.proddatareset.pg;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads SQL text as pg_dump writes it, a token at a time from a position: keywords, identifiers
 * ({@code public.actor}, {@code public."Genre"}, {@code "My Schema"."a""b"}) and column lists.
 * Unquoted names fold to lower case, as the server folds them. Errors are {@link
 * IllegalArgumentException}s naming the column.
 */
public final class SqlNames {
  private final String text;
  private int pos;

  /** A reader of {@code text} from {@code pos}. */
  public SqlNames(String text, int pos) {
    this.text = text;
    this.pos = pos;
  }

  /** Where the next token starts (or the spaces before it). */
  public int pos() {
    return pos;
  }

  /** Moves past white space. */
  public void skipSpaces() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  /** After spaces, whether the next character is {@code c} (not consumed). */
  public boolean peek(char c) {
    skipSpaces();
    return pos < text.length() && text.charAt(pos) == c;
  }

  /** Consumes {@code c} after spaces, or throws. */
  public void expect(char c) {
    if (!peek(c)) {
      throw new IllegalArgumentException("expected '" + c + "' at column " + (pos + 1));
    }
    pos++;
  }

  /** One identifier, quoted or not. */
  public String identifier() {
    skipSpaces();
    if (pos >= text.length()) {
      throw new IllegalArgumentException("expected a name at column " + (pos + 1));
    }
    if (text.charAt(pos) == '"') {
      StringBuilder sb = new StringBuilder();
      int end = readQuoted(text, pos, sb);
      if (end < 0) {
        throw new IllegalArgumentException("unterminated quoted name");
      }
      pos = end;
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

  /** {@code a.b} or {@code b} (then the schema is null). */
  public QualifiedName qualifiedName() {
    String first = identifier();
    if (pos < text.length() && text.charAt(pos) == '.') {
      pos++;
      return new QualifiedName(first, identifier());
    }
    return new QualifiedName(null, first);
  }

  /** {@code (a, "B", c)}. */
  public List<String> columnList() {
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

  /** Consumes {@code word} (any case, as a whole word) after spaces when it comes next. */
  public boolean keyword(String word) {
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

  /** Whether only spaces are left. */
  public boolean atEnd() {
    skipSpaces();
    return pos >= text.length();
  }

  /** Lower-cases ASCII letters only, as the server's downcase_identifier does for UTF-8. */
  public static String foldAscii(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
    }
    return sb.toString();
  }

  /**
   * The double-quoted name that starts at {@code open} (a {@code "}), appended to {@code out} with
   * doubled quotes undone; returns the index after its closing quote, or -1 when it has none.
   */
  static int readQuoted(String s, int open, StringBuilder out) {
    int i = open + 1;
    while (i < s.length()) {
      char c = s.charAt(i++);
      if (c == '"') {
        if (i < s.length() && s.charAt(i) == '"') {
          out.append('"');
          i++;
        } else {
          return i;
        }
      } else {
        out.append(c);
      }
    }
    return -1;
  }
}

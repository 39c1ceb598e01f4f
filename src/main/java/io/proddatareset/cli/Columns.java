package io.proddatareset.cli;

import io.proddatareset.Counts;
import java.util.List;

/**
 * Aligns rows of cells into columns separated by two spaces, by display width: a wide (East Asian
 * wide or fullwidth, emoji) character takes two terminal columns, a combining mark none, so that a
 * table named 表格 lines up like any other. Control characters in a cell (a line break in a table
 * name) are shown escaped ({@code \n}), so that a cell never breaks its row.
 */
final class Columns {
  private Columns() {}

  /**
   * @param rows the first row is the header
   * @param rightAligned per column, true for numbers
   */
  static String format(List<String[]> rows, boolean[] rightAligned) {
    int n = rows.get(0).length;
    int[] width = new int[n];
    for (String[] r : rows) {
      for (int i = 0; i < n; i++) {
        width[i] = Math.max(width[i], width(visible(r[i])));
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder("  ");
      for (int i = 0; i < n; i++) {
        String cell = visible(r[i]);
        String pad = " ".repeat(width[i] - width(cell));
        line.append(rightAligned[i] ? pad + cell : cell + (i == n - 1 ? "" : pad));
        if (i < n - 1) {
          line.append("  ");
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  /**
   * A table and its rows on one line, as the summaries of backup and restore list them (the name
   * padded to 40 characters, not by display width).
   */
  static String tableRows(String table, long rows) {
    return String.format(
        java.util.Locale.ROOT, "  %-40s %,12d %s%n", table, rows, Counts.noun(rows, "row"));
  }

  /** The cell with control characters escaped: \n, \r, \t, or \\u followed by four hex digits. */
  static String visible(String cell) {
    StringBuilder sb = null;
    for (int i = 0; i < cell.length(); i++) {
      char c = cell.charAt(i);
      if (Character.getType(c) == Character.CONTROL) {
        if (sb == null) {
          sb = new StringBuilder(cell.substring(0, i));
        }
        sb.append(
            switch (c) {
              case '\n' -> "\\n";
              case '\r' -> "\\r";
              case '\t' -> "\\t";
              default -> String.format(java.util.Locale.ROOT, "\\u%04x", (int) c);
            });
      } else if (sb != null) {
        sb.append(c);
      }
    }
    return sb == null ? cell : sb.toString();
  }

  /** How many terminal columns {@code text} takes. */
  static int width(String text) {
    int w = 0;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      w += width(cp);
      i += Character.charCount(cp);
    }
    return w;
  }

  /** 0 for combining marks and zero-width format characters, 2 for wide characters, else 1. */
  static int width(int cp) {
    int type = Character.getType(cp);
    if (type == Character.NON_SPACING_MARK
        || type == Character.ENCLOSING_MARK
        || type == Character.FORMAT
        || (cp >= 0x1160 && cp <= 0x11FF)) { // Hangul medial vowels and final consonants
      return 0;
    }
    return wide(cp) ? 2 : 1;
  }

  /** East Asian Wide and Fullwidth ranges (Unicode 15), and the emoji shown two columns wide. */
  private static boolean wide(int cp) {
    if (cp < 0x1100) {
      return false;
    }
    return (cp <= 0x115F) // Hangul Jamo initial consonants
        || cp == 0x2329
        || cp == 0x232A
        || (cp >= 0x231A && cp <= 0x231B)
        || (cp >= 0x23E9 && cp <= 0x23EC)
        || cp == 0x23F0
        || cp == 0x23F3
        || (cp >= 0x25FD && cp <= 0x25FE)
        || (cp >= 0x2614 && cp <= 0x2615)
        || (cp >= 0x2648 && cp <= 0x2653)
        || cp == 0x267F
        || cp == 0x2693
        || cp == 0x26A1
        || (cp >= 0x26AA && cp <= 0x26AB)
        || (cp >= 0x26BD && cp <= 0x26BE)
        || (cp >= 0x26C4 && cp <= 0x26C5)
        || cp == 0x26CE
        || cp == 0x26D4
        || cp == 0x26EA
        || (cp >= 0x26F2 && cp <= 0x26F3)
        || cp == 0x26F5
        || cp == 0x26FA
        || cp == 0x26FD
        || cp == 0x2705
        || (cp >= 0x270A && cp <= 0x270B)
        || cp == 0x2728
        || cp == 0x274C
        || cp == 0x274E
        || (cp >= 0x2753 && cp <= 0x2755)
        || cp == 0x2757
        || (cp >= 0x2795 && cp <= 0x2797)
        || cp == 0x27B0
        || cp == 0x27BF
        || (cp >= 0x2B1B && cp <= 0x2B1C)
        || cp == 0x2B50
        || cp == 0x2B55
        || (cp >= 0x2E80 && cp <= 0x303E) // CJK radicals, Kangxi, CJK symbols and punctuation
        || (cp >= 0x3041 && cp <= 0x33FF) // Hiragana, Katakana, Bopomofo, Hangul compatibility
        || (cp >= 0x3400 && cp <= 0x4DBF) // CJK extension A
        || (cp >= 0x4E00 && cp <= 0x9FFF) // CJK unified ideographs
        || (cp >= 0xA000 && cp <= 0xA4CF) // Yi
        || (cp >= 0xA960 && cp <= 0xA97F) // Hangul Jamo extended A
        || (cp >= 0xAC00 && cp <= 0xD7A3) // Hangul syllables
        || (cp >= 0xF900 && cp <= 0xFAFF) // CJK compatibility ideographs
        || (cp >= 0xFE10 && cp <= 0xFE19) // vertical forms
        || (cp >= 0xFE30 && cp <= 0xFE6F) // CJK compatibility forms, small form variants
        || (cp >= 0xFF00 && cp <= 0xFF60) // fullwidth forms
        || (cp >= 0xFFE0 && cp <= 0xFFE6)
        || (cp >= 0x16FE0 && cp <= 0x18CFF) // Tangut, Khitan
        || (cp >= 0x1B000 && cp <= 0x1B2FF) // Kana supplement, Nushu
        || cp == 0x1F004
        || cp == 0x1F0CF
        || cp == 0x1F18E
        || (cp >= 0x1F191 && cp <= 0x1F19A)
        || (cp >= 0x1F200 && cp <= 0x1F202)
        || (cp >= 0x1F210 && cp <= 0x1F23B)
        || (cp >= 0x1F240 && cp <= 0x1F248)
        || (cp >= 0x1F250 && cp <= 0x1F251)
        || (cp >= 0x1F260 && cp <= 0x1F265)
        || (cp >= 0x1F300 && cp <= 0x1F64F) // pictographs and emoticons
        || (cp >= 0x1F680 && cp <= 0x1F6FF) // transport and map symbols
        || (cp >= 0x1F7E0 && cp <= 0x1F7EB)
        || (cp >= 0x1F90C && cp <= 0x1F9FF) // supplemental symbols and pictographs
        || (cp >= 0x1FA70 && cp <= 0x1FAFF) // symbols and pictographs extended A
        || (cp >= 0x20000 && cp <= 0x2FFFD) // CJK extensions B and later
        || (cp >= 0x30000 && cp <= 0x3FFFD);
  }
}

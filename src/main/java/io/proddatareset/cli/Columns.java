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

  /**
   * East Asian Wide and Fullwidth ranges (Unicode 15), and the emoji shown two columns wide: the
   * first and last code point of each range, in order.
   */
  private static final int[][] WIDE = {
    {0x1100, 0x115F}, // Hangul Jamo initial consonants
    {0x231A, 0x231B},
    {0x2329, 0x232A},
    {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},
    {0x23F3, 0x23F3},
    {0x25FD, 0x25FE},
    {0x2614, 0x2615},
    {0x2648, 0x2653},
    {0x267F, 0x267F},
    {0x2693, 0x2693},
    {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},
    {0x26BD, 0x26BE},
    {0x26C4, 0x26C5},
    {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},
    {0x26EA, 0x26EA},
    {0x26F2, 0x26F3},
    {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},
    {0x26FD, 0x26FD},
    {0x2705, 0x2705},
    {0x270A, 0x270B},
    {0x2728, 0x2728},
    {0x274C, 0x274C},
    {0x274E, 0x274E},
    {0x2753, 0x2755},
    {0x2757, 0x2757},
    {0x2795, 0x2797},
    {0x27B0, 0x27B0},
    {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},
    {0x2B50, 0x2B50},
    {0x2B55, 0x2B55},
    {0x2E80, 0x303E}, // CJK radicals, Kangxi, CJK symbols and punctuation
    {0x3041, 0x33FF}, // Hiragana, Katakana, Bopomofo, Hangul compatibility
    {0x3400, 0x4DBF}, // CJK extension A
    {0x4E00, 0x9FFF}, // CJK unified ideographs
    {0xA000, 0xA4CF}, // Yi
    {0xA960, 0xA97F}, // Hangul Jamo extended A
    {0xAC00, 0xD7A3}, // Hangul syllables
    {0xF900, 0xFAFF}, // CJK compatibility ideographs
    {0xFE10, 0xFE19}, // vertical forms
    {0xFE30, 0xFE6F}, // CJK compatibility forms, small form variants
    {0xFF00, 0xFF60}, // fullwidth forms
    {0xFFE0, 0xFFE6},
    {0x16FE0, 0x18CFF}, // Tangut, Khitan
    {0x1B000, 0x1B2FF}, // Kana supplement, Nushu
    {0x1F004, 0x1F004},
    {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E},
    {0x1F191, 0x1F19A},
    {0x1F200, 0x1F202},
    {0x1F210, 0x1F23B},
    {0x1F240, 0x1F248},
    {0x1F250, 0x1F251},
    {0x1F260, 0x1F265},
    {0x1F300, 0x1F64F}, // pictographs and emoticons
    {0x1F680, 0x1F6FF}, // transport and map symbols
    {0x1F7E0, 0x1F7EB},
    {0x1F90C, 0x1F9FF}, // supplemental symbols and pictographs
    {0x1FA70, 0x1FAFF}, // symbols and pictographs extended A
    {0x20000, 0x2FFFD}, // CJK extensions B and later
    {0x30000, 0x3FFFD},
  };

  private static boolean wide(int cp) {
    // a binary search for the range that holds cp
    int lo = 0;
    int hi = WIDE.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (cp < WIDE[mid][0]) {
        hi = mid - 1;
      } else if (cp > WIDE[mid][1]) {
        lo = mid + 1;
      } else {
        return true;
      }
    }
    return false;
  }
}

package io.proddatareset.cli;

import java.util.List;

/** Aligns rows of cells into columns separated by two spaces. */
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
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder("  ");
      for (int i = 0; i < n; i++) {
        String cell = r[i];
        String pad = " ".repeat(width[i] - cell.length());
        line.append(rightAligned[i] ? pad + cell : cell + (i == n - 1 ? "" : pad));
        if (i < n - 1) {
          line.append("  ");
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }
}

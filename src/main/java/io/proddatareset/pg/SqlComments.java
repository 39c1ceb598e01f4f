package io.proddatareset.pg;

/** Where a comment in SQL text ends, for the few places that read SQL text themselves. */
public final class SqlComments {
  private SqlComments() {}

  /**
   * The index after the end of the block comment opened at {@code open} (a {@code /*} there), or -1
   * when it is not closed. Block comments nest in PostgreSQL.
   */
  public static int endOfBlockComment(String s, int open) {
    int depth = 0;
    int i = open;
    while (i < s.length()) {
      if (s.startsWith("/*", i)) {
        depth++;
        i += 2;
      } else if (s.startsWith("*/", i)) {
        depth--;
        i += 2;
        if (depth == 0) {
          return i;
        }
      } else {
        i++;
      }
    }
    return -1;
  }
}

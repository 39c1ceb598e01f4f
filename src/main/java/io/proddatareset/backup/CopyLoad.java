package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.TableName;
import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * One {@code COPY ... FROM STDIN} of a block's text data, for both restores (into empty tables and
 * into live ones): the data streamed through {@code buffer}, progress told as bytes go and as rows
 * once the server has them, and on any failure the copy cancelled so that the connection can roll
 * back.
 */
final class CopyLoad {
  private CopyLoad() {}

  /**
   * Streams {@code data} into {@code sql} ({@code COPY ... FROM STDIN}, built by the caller from
   * parsed names, never from the file's text).
   *
   * @return the rows the server loaded
   * @throws SQLException the server's failure, its message prefixed with the table loaded
   */
  static long into(
      CopyManager copyApi,
      String sql,
      TableName table,
      InputStream data,
      byte[] buffer,
      BackupProgress progress)
      throws IOException, SQLException {
    CopyIn in = copyApi.copyIn(sql);
    long rows;
    try {
      int n;
      while ((n = data.read(buffer)) > 0) {
        in.writeToCopy(buffer, 0, n);
        progress.copied(table, 0, n);
      }
      rows = in.endCopy();
    } catch (IOException | RuntimeException e) {
      if (in.isActive()) {
        in.cancelCopy();
      }
      throw e;
    } catch (SQLException e) {
      if (in.isActive()) {
        try {
          in.cancelCopy();
        } catch (SQLException ignored) {
          // the server already ended it
        }
      }
      throw new SQLException(
          "loading " + table.display() + ": " + ExitException.firstLine(e), e.getSQLState(), e);
    }
    progress.copied(table, rows, 0);
    return rows;
  }
}

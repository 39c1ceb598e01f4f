package io.proddatareset.backup;

import io.proddatareset.catalog.TableName;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;

/**
 * The COPY blocks of a backup file, streamed in file order for a reader outside this package (the
 * check after a reset compares the rows a table holds now with the rows the reset removed), through
 * {@link BackupReader} and checked against the backup's manifest as {@code restore} checks it.
 */
public final class BackupBlocks {
  private BackupBlocks() {}

  /** Receives each COPY block of a backup. */
  @FunctionalInterface
  public interface Reader {
    /**
     * One COPY block: its table, its column list, and its COPY text data (one row a line, without
     * the {@code \.} line). The reader may read all, part or none of {@code data}, and need not
     * close it.
     */
    void block(TableName table, List<String> columns, InputStream data) throws IOException;
  }

  /**
   * Streams every COPY block of {@code file} to {@code reader}, then checks the whole file against
   * {@code manifest} (size, SHA-256, each table's rows and checksum, the footer). Memory stays flat
   * whatever the file's size. A reader that must not act on a file that fails the check keeps what
   * it learnt until this returns.
   *
   * @throws IOException when the file cannot be read, is damaged or cut off ({@link
   *     BackupFormatException}), or is not the file {@code manifest} describes
   */
  public static void read(Path file, BackupManifest manifest, Reader reader) throws IOException {
    BackupReader.Summary summary;
    try (InputStream in = java.nio.file.Files.newInputStream(file)) {
      summary =
          BackupReader.read(
              in,
              new BackupReader.Handler() {
                @Override
                public void copy(CopyStatement statement, InputStream data) throws IOException {
                  reader.block(statement.table(), statement.columns(), data);
                }

                @Override
                public void setval(SetvalStatement statement) {}
              });
    } catch (SQLException e) {
      throw new IOException(e.getMessage(), e); // the handler above runs no SQL
    }
    List<String> problems = ManifestCheck.problems(summary, manifest);
    if (!problems.isEmpty()) {
      throw new IOException(
          "it does not match its manifest ("
              + String.join("; ", problems)
              + "): it is not the backup the manifest describes, or it was changed");
    }
  }
}

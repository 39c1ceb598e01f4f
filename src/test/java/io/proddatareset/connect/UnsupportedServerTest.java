package io.proddatareset.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.demo.PostgresBinaries;
import io.proddatareset.testing.Cli;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server older than PostgreSQL 13 (past its end of life) is refused with one line before anything
 * is read or changed, instead of failing in the middle on a catalog column it lacks.
 */
@Tag("single-version")
class UnsupportedServerTest {
  @TempDir Path dir;

  @Test
  void postgres12IsRefusedWithOneLineAndNothingChanged() throws Exception {
    Path binaries = Path.of(System.getProperty("pdr.test.unsupportedPgBinaries"));
    try (EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setPgBinaryResolver(PostgresBinaries.fromJar(binaries))
            .setServerConfig("fsync", "off")
            .start()) {
      String jdbc = "jdbc:postgresql://localhost:" + pg.getPort() + "/postgres?user=postgres";
      try (Connection c = DriverManager.getConnection(jdbc);
          Statement st = c.createStatement()) {
        st.execute("CREATE TABLE notes (id int PRIMARY KEY)");
        st.execute("INSERT INTO notes VALUES (1), (2)");
      }
      String url = "postgresql://postgres@localhost:" + pg.getPort() + "/postgres";
      Cli cli = new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString());
      Path backup = dir.resolve("notes.sql");

      for (String[] args :
          new String[][] {
            {"plan", url, "--reset", "notes"},
            {"backup", "--url", url, "--reset", "notes", "-o", backup.toString()},
            {
              "reset",
              url,
              "--reset",
              "notes",
              "--backup",
              backup.toString(),
              "--confirm",
              "postgres"
            }
          }) {
        Cli.Result r = cli.run(args);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err().strip().lines())
            .as(args[0])
            .anySatisfy(
                line ->
                    assertThat(line)
                        .startsWith("error: postgresql://postgres@localhost:")
                        .contains(" runs PostgreSQL 12.")
                        .endsWith(
                            "prod-data-reset needs PostgreSQL 13 or newer. Nothing was read or"
                                + " changed."));
      }
      assertThat(Files.exists(backup)).isFalse();
      try (Connection c = DriverManager.getConnection(jdbc);
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT count(*) FROM notes")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(2);
      }
    }
  }
}

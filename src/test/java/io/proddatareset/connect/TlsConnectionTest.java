package io.proddatareset.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.demo.PostgresBinaries;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup and restore over TLS, as against Render: the tool's connections read through {@link
 * ReadAheadSocketFactory}, under PgJDBC's TLS layer, and must carry a large COPY both ways.
 */
class TlsConnectionTest {
  @TempDir Path dir;

  @Test
  void backupAndRestoreOverTls() throws Exception {
    Path keyStore = dir.resolve("server.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "pg",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=localhost",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keyStore.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String keytoolOutput =
        new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor()).as(keytoolOutput).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keyStore)) {
      ks.load(in, "changeit".toCharArray());
    }
    Path cert = dir.resolve("server.crt");
    Path key = dir.resolve("server.key");
    Files.writeString(cert, pem("CERTIFICATE", ks.getCertificate("pg").getEncoded()));
    Files.createFile(
        key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        key,
        pem("PRIVATE KEY", ((PrivateKey) ks.getKey("pg", "changeit".toCharArray())).getEncoded()));

    try (EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setPgBinaryResolver(PostgresBinaries.fromJar(TestPostgres.binaries()))
            .setServerConfig("ssl", "on")
            .setServerConfig("ssl_cert_file", cert.toString())
            .setServerConfig("ssl_key_file", key.toString())
            .setServerConfig("fsync", "off")
            .start()) {
      String plain =
          "jdbc:postgresql://localhost:" + pg.getPort() + "/postgres?user=postgres&sslmode=disable";
      try (Connection c = DriverManager.getConnection(plain);
          Statement st = c.createStatement()) {
        // about 30 MB of COPY text: many reads of the read-ahead buffer under TLS records
        st.execute(
            "CREATE TABLE notes AS SELECT g AS id, repeat(md5(g::text), 6) || E'\\ttab' AS body"
                + " FROM generate_series(1, 150000) g");
        st.execute("ALTER TABLE notes ADD PRIMARY KEY (id)");
      }
      String before = contentHash(plain);
      String url = "postgresql://postgres@localhost:" + pg.getPort() + "/postgres?sslmode=require";

      try (Connection c = new Connector(TargetParser.parse(url)).open();
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean(1)).as("the tool's connection uses TLS").isTrue();
      }

      Path backup = dir.resolve("notes.sql.gz");
      Cli cli = new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString());
      Cli.Result b = cli.run("backup", "--url", url, "--reset", "notes", "-o", backup.toString());
      assertThat(b.exitCode()).as(b.toString()).isZero();
      assertThat(b.out()).contains("150,000 rows");

      try (Connection c = DriverManager.getConnection(plain);
          Statement st = c.createStatement()) {
        st.execute("TRUNCATE notes");
      }
      Cli.Result r = cli.run("restore", backup.toString(), "--url", url, "--confirm", "postgres");
      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(contentHash(plain)).isEqualTo(before);
    }
  }

  private static String contentHash(String jdbcUrl) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) || ':' || md5(string_agg(id || ' ' || body, ',' ORDER BY id))"
                    + " FROM notes")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}

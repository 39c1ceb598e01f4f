package io.proddatareset.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real connection attempts against the embedded server, each failure one clear line. */
class ConnectorTest {
  static TestDatabase db;

  @BeforeAll
  static void setUp() {
    db = TestPostgres.freshDatabase();
  }

  private static ConnectionTarget target(String url) {
    return PasswordSource.complete(TargetParser.parse(url), Map.of());
  }

  @Test
  void connectsWithAPercentEncodedPasswordFromALibpqUri() throws Exception {
    try (Connection c = new Connector(target(db.passwordUrl())).open();
        ResultSet rs =
            c.createStatement().executeQuery("SELECT current_user, current_database()")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(TestPostgres.PASSWORD_ROLE);
      assertThat(rs.getString(2)).isEqualTo(db.name());
    }
  }

  @Test
  void wrongPasswordSaysSoWithoutShowingIt() {
    String url =
        "postgres://"
            + TestPostgres.PASSWORD_ROLE
            + ":wrong-pass-123@localhost:"
            + db.port()
            + "/"
            + db.name()
            + "?sslmode=disable";
    assertThatThrownBy(() -> new Connector(target(url)).open())
        .isInstanceOf(ExitException.class)
        .hasMessageContaining("Password authentication failed")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong-pass-123"))
        .satisfies(e -> assertThat(((ExitException) e).status()).isEqualTo(ExitStatus.FAILURE));
  }

  @Test
  void missingDatabaseIsNamed() {
    String url = "postgres://postgres@localhost:" + db.port() + "/no_such_db?sslmode=disable";
    assertThatThrownBy(() -> new Connector(target(url)).open())
        .hasMessageContaining("Database 'no_such_db' does not exist");
  }

  @Test
  void refusedConnectionIsNamed() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    String url = "postgres://postgres:pw@localhost:" + closedPort + "/db?sslmode=disable";
    assertThatThrownBy(() -> new Connector(target(url)).open())
        .hasMessageContaining("Connection refused by localhost:" + closedPort)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(":pw@"));
  }

  @Test
  void unknownHostIsNamed() {
    assertThatThrownBy(
            () -> new Connector(target("postgres://u:pw@no-such-host.invalid/db")).open())
        .hasMessageContaining("Unknown host 'no-such-host.invalid'");
  }

  @Test
  void serverWithoutTlsIsRefusedWhenTlsIsRequired() {
    String url =
        "postgres://postgres@localhost:" + db.port() + "/" + db.name() + "?sslmode=require";
    assertThatThrownBy(() -> new Connector(target(url)).open())
        .isInstanceOf(ExitException.class)
        .hasMessageContaining("TLS");
  }
}

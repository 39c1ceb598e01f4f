package io.proddatareset.connect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A target written again as a URI names the same target, without its password. */
@Tag("single-version")
class TargetUriTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "postgres://app:hunter2-secret@db.example.com/shop",
        "postgresql://we%20ird%40user:hunter2-secret@localhost:6543/my%2Fdb%3Fx%26y?sslmode=disable",
        "postgresql://u:hunter2-secret@[::1]:5433/db",
        "postgresql://u:hunter2-secret@db.example.com/db?sslmode=verify-full&sslrootcert=/etc/my%20ca.pem"
            + "&sslcert=/c.pem&sslkey=/k.pem&application_name=my%20app&connect_timeout=7"
            + "&options=-c%20search_path%3Dapp&target_session_attrs=read-write"
            + "&channel_binding=require&gssencmode=disable&sslnegotiation=direct"
            + "&currentschema=app",
        "jdbc:postgresql://db.example.com:5444/shop?user=app&password=hunter2-secret&ApplicationName=x",
        "host=db.example.com dbname='my shop' user=app password='hunter2 secret' sslmode=verify-ca",
        "postgres://app@localhost/shop"
      })
  void theUriParsesBackToTheSameTargetWithoutThePassword(String given) {
    ConnectionTarget target = TargetParser.parse(given);
    String uri = TargetUri.withoutPassword(target).orElseThrow();

    assertThat(uri).startsWith("postgresql://").doesNotContain("hunter2").doesNotContain("secret");
    assertThat(TargetParser.parse(uri)).isEqualTo(target.withPassword(null));
  }

  @Test
  void theTlsModeIsWrittenOnlyWhenItIsNotTheDefault() {
    assertThat(TargetUri.withoutPassword(TargetParser.parse("postgres://a@db.example.com/x")))
        .hasValue("postgresql://a@db.example.com:5432/x");
    assertThat(TargetUri.withoutPassword(TargetParser.parse("postgres://a@localhost/x")))
        .hasValue("postgresql://a@localhost:5432/x");
    assertThat(
            TargetUri.withoutPassword(
                TargetParser.parse("postgres://a@db.example.com/x?sslmode=verify-full")))
        .hasValue("postgresql://a@db.example.com:5432/x?sslmode=verify-full");
    assertThat(
            TargetUri.withoutPassword(TargetParser.parse("postgres://a@[::1]:5/x?sslmode=disable")))
        .hasValue("postgresql://a@[::1]:5/x?sslmode=disable");
  }

  @Test
  void aTargetItCannotWriteAgainIsNotWritten() {
    // a property no URL parameter maps to: writing it would name a different target
    ConnectionTarget odd =
        new ConnectionTarget(
            "db.example.com",
            5432,
            "x",
            "a",
            null,
            "require",
            java.util.Map.of("socketFactory", "com.example.Evil"),
            null);
    assertThat(TargetUri.withoutPassword(odd)).isEmpty();
  }
}

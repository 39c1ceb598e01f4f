package io.proddatareset.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("single-version")
class TargetParserTest {

  @Test
  void libpqUriWithPercentEncodedUserAndPassword() {
    ConnectionTarget t =
        TargetParser.parse(
            "postgres://app%40team:p%40ss%2Fw%3Ard+1@db.example.com:6543/pm_db?sslmode=verify-full");
    assertThat(t.host()).isEqualTo("db.example.com");
    assertThat(t.port()).isEqualTo(6543);
    assertThat(t.database()).isEqualTo("pm_db");
    assertThat(t.user()).isEqualTo("app@team");
    assertThat(t.password()).isEqualTo("p@ss/w:rd+1");
    assertThat(t.sslMode()).isEqualTo("verify-full");
  }

  @Test
  void postgresqlSchemeDefaultsPortAndRequiresTlsForRemoteHosts() {
    ConnectionTarget t = TargetParser.parse("postgresql://u@dpg-abc.oregon-postgres.render.com/pm");
    assertThat(t.port()).isEqualTo(5432);
    assertThat(t.sslMode()).isEqualTo("require");
    assertThat(t.password()).isNull();
  }

  @Test
  void loopbackDefaultsToPreferAndMayBeWeakened() {
    assertThat(TargetParser.parse("postgres://u@localhost/db").sslMode()).isEqualTo("prefer");
    assertThat(TargetParser.parse("postgres://u@127.0.0.1/db?sslmode=disable").sslMode())
        .isEqualTo("disable");
    assertThat(TargetParser.parse("postgres://u@[::1]:5433/db").host()).isEqualTo("::1");
  }

  @Test
  void weakTlsForARemoteHostIsRefusedAsUsage() {
    assertThatThrownBy(
            () -> TargetParser.parse("postgres://u:pw@db.example.com/db?sslmode=disable"))
        .isInstanceOf(ExitException.class)
        .satisfies(e -> assertThat(((ExitException) e).status()).isEqualTo(ExitStatus.USAGE))
        .hasMessageContaining("needs TLS");
  }

  @Test
  void jdbcUrlWithParameters() {
    ConnectionTarget t =
        TargetParser.parse(
            "jdbc:postgresql://db.internal:5433/app?user=alice&password=secret&sslmode=require");
    assertThat(t.host()).isEqualTo("db.internal");
    assertThat(t.port()).isEqualTo(5433);
    assertThat(t.user()).isEqualTo("alice");
    assertThat(t.password()).isEqualTo("secret");
  }

  @Test
  void keyValueStringWithQuotedValues() {
    ConnectionTarget t =
        TargetParser.parse(
            "host=localhost port=5499 dbname='my db' user=bob password='it\\'s secret'");
    assertThat(t.database()).isEqualTo("my db");
    assertThat(t.user()).isEqualTo("bob");
    assertThat(t.password()).isEqualTo("it's secret");
    assertThat(t.port()).isEqualTo(5499);
  }

  @Test
  void malformedInputIsAUsageErrorThatNeverShowsThePassword() {
    for (String bad :
        new String[] {
          "mysql://root:hunter2@h/db",
          "postgres://u:hunter2@h:notaport/db",
          "postgres://u:hunter2@h/db?sslmode=bogus",
          "postgres://u:hunter2@h/db?unknown_param=1",
          "just some words",
          "postgres://u:hunter2@host1,host2/db",
          "jdbc:mysql://h/db?password=hunter2",
          "host=/var/run/postgresql dbname=x password=hunter2"
        }) {
      assertThatThrownBy(() -> TargetParser.parse(bad))
          .as(bad)
          .isInstanceOf(ExitException.class)
          .satisfies(e -> assertThat(((ExitException) e).status()).isEqualTo(ExitStatus.USAGE))
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }
  }

  @Test
  void displayNeverShowsThePassword() {
    ConnectionTarget t = TargetParser.parse("postgres://alice:hunter2@db.example.com:5432/app");
    assertThat(t.display()).isEqualTo("postgresql://alice@db.example.com:5432/app");
    assertThat(t.toString()).doesNotContain("hunter2");
  }

  @Test
  void redactionMasksSecretsInFreeText() {
    assertThat(Redaction.redact("failed: postgres://alice:hunter2@h/db and more"))
        .isEqualTo("failed: postgres://alice:***@h/db and more");
    assertThat(Redaction.redact("postgres://a:p@ss@h/db"))
        .doesNotContain("p@ss")
        .doesNotContain("ss@h");
    assertThat(Redaction.redact("host=h password=hunter2 user=u")).doesNotContain("hunter2");
    assertThat(Redaction.redact("password='it s' user=u")).doesNotContain("it s");
    assertThat(Redaction.redact("jdbc:postgresql://h/db?user=u&password=hunter2&x=1"))
        .doesNotContain("hunter2")
        .contains("x=1");
    assertThat(Redaction.redact("Authorization: Bearer rnd_abcDEF123")).doesNotContain("abcDEF123");
    assertThat(Redaction.redact("text", null)).isEqualTo("text");
    assertThat(Redaction.redact("the pw is hunter2", "hunter2")).isEqualTo("the pw is ***");
  }

  @Test
  void passwordComesFromPgpasswordThenPgpass(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    ConnectionTarget t = TargetParser.parse("postgres://alice@db.example.com/app");
    assertThat(PasswordSource.complete(t, Map.of("PGPASSWORD", "fromenv")).password())
        .isEqualTo("fromenv");

    java.nio.file.Path pgpass = dir.resolve("pgpass");
    java.nio.file.Files.writeString(
        pgpass, "# comment\nother:5432:*:*:nope\ndb.example.com:*:app:alice:from\\:file\n");
    assertThat(PasswordSource.complete(t, Map.of("PGPASSFILE", pgpass.toString())).password())
        .isEqualTo("from:file");
    // a password in the URL wins
    ConnectionTarget withPw = TargetParser.parse("postgres://alice:inurl@db.example.com/app");
    assertThat(PasswordSource.complete(withPw, Map.of("PGPASSWORD", "fromenv")).password())
        .isEqualTo("inurl");
  }
}

package io.proddatareset.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.testing.Cli;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A target that cannot be parsed never shows its password, nor any piece of it, however the
 * password cut the text: run through the real CLI in each of the ways a target arrives (--url, the
 * positional URL, DATABASE_URL). The passwords are built from letter-digit triples that no message
 * contains, so that any 3-character piece of one in the output is a leak.
 */
@Tag("single-version")
class TargetSecretsTest {

  /** A malformed target and the password it holds (as the user meant it). */
  record Bad(String target, String password) {
    @Override
    public String toString() {
      return target;
    }
  }

  static Stream<Bad> malformedTargets() {
    List<Bad> cases = new ArrayList<>();
    // libpq URIs: an unencoded character cuts the user-info in the wrong place
    for (String pw :
        List.of(
            "Qj9#Xw4Zk7v",
            "Qj9?Xw4Zk7v",
            "Qj9/Xw4Zk7v",
            "Qj9@Xw4/Zk7v",
            "Qj9/Xw4@Zk7v",
            "Qj9?Xw4@Zk7v",
            "Qj9@Xw4:Zk7v/Lm2",
            "Qj9?Xw4=Zk7v",
            "617/Xw4Zk7v",
            "61?Xw4Zk7v",
            "61?Xw4=Zk7v",
            "Qj9 Xw4/Zk7v",
            "Qj9%Xw4Zk7v",
            "Qj9%zzXw4Zk7v")) {
      cases.add(new Bad("postgres://alice:" + pw + "@db.example.com:5432/app", pw));
      cases.add(new Bad("postgresql://alice:" + pw + "@db.example.com/app?sslmode=require", pw));
      cases.add(new Bad("postgres://alice:" + pw + "@127.0.0.1:5432/app?sslmode=disable", pw));
    }
    // a password where the host should be: "port 'hunter2' is not a number"
    cases.add(new Bad("postgres://alice:Qj9Xw4Zk7v", "Qj9Xw4Zk7v"));
    cases.add(new Bad("postgres://alice:Qj9Xw4Zk7v/app", "Qj9Xw4Zk7v"));
    cases.add(new Bad("postgres://alice:6170384952@db.example.com:5432:/app", "6170384952"));
    cases.add(new Bad("postgres://alice:Qj9Xw4Zk7v@db.example.com:bad/app", "Qj9Xw4Zk7v"));
    cases.add(new Bad("postgres://alice:Qj9 Xw4Zk7v@db.example.com:99999/app", "Qj9 Xw4Zk7v"));
    cases.add(
        new Bad("postgres://alice:Qj9Xw4Zk7v@h1.example.com,h2.example.com/app", "Qj9Xw4Zk7v"));
    cases.add(new Bad("postgres://alice:Qj9Xw4Zk7v@[::1/app", "Qj9Xw4Zk7v"));
    cases.add(new Bad("postgres://alice:Qj9Xw4Zk7v@db.example.com/app#frag", "Qj9Xw4Zk7v"));
    cases.add(new Bad("mysql://alice:Qj9Xw4Zk7v@db.example.com/app", "Qj9Xw4Zk7v"));
    cases.add(new Bad("jdbc:mysql://db.example.com/app?password=Qj9 Xw4Zk7v", "Qj9 Xw4Zk7v"));
    cases.add(new Bad("Qj9Xw4Zk7v", "Qj9Xw4Zk7v"));
    // URL parameters: misspelt or unknown keys, a password cut by '&' or '#'
    for (String key : List.of("passwrd", "pass", "pwd", "secret", "token", "api_key", "xyzzy")) {
      cases.add(
          new Bad("postgres://alice@db.example.com/app?" + key + "=Qj9Xw4Zk7v", "Qj9Xw4Zk7v"));
      cases.add(
          new Bad(
              "jdbc:postgresql://db.example.com/app?user=alice&" + key + "=Qj9Xw4Zk7v",
              "Qj9Xw4Zk7v"));
    }
    for (String pw : List.of("Qj9&Xw4Zk7v", "Qj9#Xw4Zk7v", "Qj9&Xw4=Zk7v", "Qj9 Xw4&Zk7v")) {
      cases.add(
          new Bad(
              "jdbc:postgresql://db.example.com/app?user=alice&password=" + pw + "&sslmode=require",
              pw));
      cases.add(new Bad("postgres://alice@db.example.com/app?password=" + pw, pw));
    }
    cases.add(
        new Bad(
            "jdbc:postgresql://db.example.com/app?user=alice&password=Qj9@Xw4Zk7v&sslmode=nope",
            "Qj9@Xw4Zk7v"));
    cases.add(
        new Bad(
            "postgres://alice@db.example.com/app?password=Qj9@Xw4/Zk7v&connect_timeout=x",
            "Qj9@Xw4/Zk7v"));
    cases.add(new Bad("jdbc:postgresql://alice:Qj9Xw4Zk7v@db.example.com/app", "Qj9Xw4Zk7v"));
    // weak TLS for a remote host, an unknown sslmode: well-formed, but still refused
    cases.add(
        new Bad("postgres://alice:Qj9Xw4Zk7v@db.example.com/app?sslmode=disable", "Qj9Xw4Zk7v"));
    cases.add(new Bad("postgres://alice:Qj9Xw4Zk7v@db.example.com/app?sslmode=Zk7v", "Qj9Xw4Zk7v"));
    // key=value strings: a misspelt key, an unquoted space, an unterminated quote
    for (String key : List.of("passwrd", "pass", "pwd", "secret", "token", "PGPASSWORD", "xyzzy")) {
      cases.add(
          new Bad(
              "host=db.example.com user=alice " + key + "=Qj9Xw4Zk7v dbname=app", "Qj9Xw4Zk7v"));
    }
    cases.add(new Bad("host=db.example.com user=alice password=Qj9 Xw4Zk7v", "Qj9 Xw4Zk7v"));
    cases.add(new Bad("host=db.example.com password=Qj9 Xw4=Zk7v user=alice", "Qj9 Xw4=Zk7v"));
    cases.add(new Bad("host=db.example.com password='Qj9 Xw4Zk7v", "Qj9 Xw4Zk7v"));
    cases.add(new Bad("host=db.example.com password='Qj9\\' Xw4Zk7v", "Qj9' Xw4Zk7v"));
    cases.add(
        new Bad("host=db.example.com password='Qj9\\'Xw4 Zk7v' sslmode=bogus", "Qj9'Xw4 Zk7v"));
    cases.add(
        new Bad("host=db.example.com password='Qj9\\'Xw4 Zk7v' sslmode=disable", "Qj9'Xw4 Zk7v"));
    cases.add(new Bad("host=db.example.com password=Qj9Xw4Zk7v port=Lm2x", "Qj9Xw4Zk7v"));
    cases.add(new Bad("host=/var/run/postgresql password=Qj9Xw4Zk7v", "Qj9Xw4Zk7v"));
    cases.add(new Bad("host=db.example.com = Qj9Xw4Zk7v", "Qj9Xw4Zk7v"));
    cases.add(new Bad("host=db.example.com sslpassword=Qj9Xw4Zk7v", "Qj9Xw4Zk7v"));
    return cases.stream();
  }

  static Stream<Arguments> malformedTargetsEachWay() {
    return malformedTargets()
        .flatMap(
            bad ->
                Stream.of(
                    Arguments.of(bad, "--url"),
                    Arguments.of(bad, "positional"),
                    Arguments.of(bad, "DATABASE_URL")));
  }

  @ParameterizedTest(name = "{1} {0}")
  @MethodSource("malformedTargetsEachWay")
  void aMalformedTargetIsBadInputAndShowsNoPieceOfThePassword(Bad bad, String way) {
    Cli cli = new Cli();
    Cli.Result r =
        switch (way) {
          case "--url" -> cli.run("plan", "--url", bad.target());
          case "positional" -> cli.run("plan", bad.target());
          default -> cli.env("DATABASE_URL", bad.target()).run("plan");
        };
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1);
    assertThat(r.err()).as(r.toString()).startsWith("error: ");
    assertNoPiece(r.out() + r.err(), bad.password());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedTargets")
  void theParsersMessageIsMaskedAlreadyAndSurvivesThePrinterWhole(Bad bad) {
    assertThatThrownBy(() -> TargetParser.parse(bad.target()))
        .isInstanceOfSatisfying(
            ExitException.class,
            e -> {
              assertThat(e.status()).isEqualTo(ExitStatus.USAGE);
              assertNoPiece(e.getMessage(), bad.password());
              // every printer applies Redaction.redact: it must not eat the explanation
              assertThat(Redaction.redact(e.getMessage())).isEqualTo(e.getMessage());
            });
  }

  @Test
  void wellFormedTargetsWithOddPasswordsStillParse() {
    ConnectionTarget t = TargetParser.parse("postgres://u:p@ss@db.example.com/app");
    assertThat(t.password()).isEqualTo("p@ss");
    assertThat(t.host()).isEqualTo("db.example.com");
    assertThat(TargetParser.parse("postgres://u:pa ss@db.example.com/app").password())
        .isEqualTo("pa ss");
    assertThat(TargetParser.parse("postgres://u:pa:ss@db.example.com/app").password())
        .isEqualTo("pa:ss");
    t = TargetParser.parse("postgres://u%3Aa:p%23w%3F%2F%40@db.example.com/app");
    assertThat(t.user()).isEqualTo("u:a");
    assertThat(t.password()).isEqualTo("p#w?/@");
    t = TargetParser.parse("jdbc:postgresql://db.example.com/app?user=u&password=p@ss/w?rd");
    assertThat(t.password()).isEqualTo("p@ss/w?rd");
    assertThat(t.database()).isEqualTo("app");
    t = TargetParser.parse("postgres://db.example.com/app?application_name=me@laptop");
    assertThat(t.extra()).containsEntry("ApplicationName", "me@laptop");
    assertThat(t.host()).isEqualTo("db.example.com");
    t = TargetParser.parse("host=db.example.com password='a b\\'c' user=u");
    assertThat(t.password()).isEqualTo("a b'c");
    t = TargetParser.parse("postgres://u@db.example.com/app?options=-c%20search_path%3Dx");
    assertThat(t.extra()).containsEntry("options", "-c search_path=x");
    // connect_timeout is whole seconds, as in libpq; 0 or less counts as not given
    assertThat(
            TargetParser.parse("postgres://u@h.example.com/app?connect_timeout=5").connectTimeout())
        .isEqualTo(java.time.Duration.ofSeconds(5));
    assertThat(
            TargetParser.parse("jdbc:postgresql://h.example.com/app?connectTimeout=7")
                .connectTimeout())
        .isEqualTo(java.time.Duration.ofSeconds(7));
    assertThat(TargetParser.parse("host=h.example.com connect_timeout=0").connectTimeout())
        .isNull();
    assertThat(TargetParser.parse("host=h.example.com connect_timeout=-3").connectTimeout())
        .isNull();
    assertThat(TargetParser.parse("host=h.example.com").connectTimeout()).isNull();
  }

  @Test
  void anUnencodedCharacterGetsTheEncodingAdvice() {
    for (String url :
        List.of(
            "postgres://alice:Qj9#Xw4Zk7v@db.example.com/app",
            "postgres://alice:Qj9/Xw4Zk7v@db.example.com/app",
            "postgres://alice:Qj9?Xw4Zk7v@db.example.com/app",
            "postgres://alice:617/Xw4Zk7v@db.example.com/app",
            "postgres://alice:Qj9Xw4Zk7v")) {
      Cli.Result r = new Cli().run("plan", "--url", url);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.err())
          .as(r.toString())
          .contains("# as %23, ? as %3F, / as %2F, @ as %40, : as %3A")
          .contains("a space as %20")
          .contains("PGPASSWORD");
    }
    Cli.Result r =
        new Cli().run("plan", "--url", "postgres://alice:Qj9/Xw4Zk7v@db.example.com/app");
    assertThat(r.err()).contains("postgres://alice:***@db.example.com/app");
  }

  @Test
  void aMisspeltKeyIsNotNamedButAnsweredWithASuggestion() {
    Cli.Result r = new Cli().run("plan", "host=db.example.com passwrd=Qj9Xw4Zk7v");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("host=db.example.com ***")
        .contains("the 2nd item is not a connection parameter")
        .contains("did you mean password?")
        .doesNotContain("passwrd");
    r = new Cli().run("plan", "postgres://alice@db.example.com/app?sslmod=require");
    assertThat(r.err()).contains("the 1st URL parameter").contains("did you mean sslmode?");
    r = new Cli().run("plan", "postgres://alice@db.example.com/app?keepalives=1");
    assertThat(r.err()).contains("the connection parameter 'keepalives' is not supported");
  }

  @Test
  void redactionMasksEveryPasswordShapeInFreeText() {
    List<String> passwords =
        List.of(
            "Qj9Xw4Zk7v",
            "Qj9@Xw4Zk7v",
            "Qj9@Xw4@Zk7v",
            "Qj9/Xw4Zk7v",
            "Qj9#Xw4Zk7v",
            "Qj9?Xw4Zk7v",
            "Qj9:Xw4Zk7v",
            "Qj9@Xw4/Zk7v?Lm2",
            "Qj9/Xw4@Zk7v#Lm2",
            "617/Xw4@Zk7v");
    List<String> embedded = new ArrayList<>();
    for (String pw : passwords) {
      embedded.add("postgres://alice:" + pw + "@db.example.com:5432/app");
      embedded.add("postgresql://alice:" + pw + "@db.example.com/app?sslmode=require");
      embedded.add("postgres://alice:" + pw + "@[::1]:5432/app");
      if (!pw.contains("#")) {
        embedded.add("jdbc:postgresql://db.example.com:5432/app?user=alice&password=" + pw);
        embedded.add("jdbc:postgresql://db.example.com/app?password=" + pw + "&sslmode=require");
      }
      embedded.add("host=db.example.com user=alice password=" + pw + " dbname=app");
      embedded.add("host=db.example.com passwrd=" + pw);
    }
    embedded.add("postgres://alice:Qj9 Xw4Zk7v@db.example.com/app");
    embedded.add("jdbc:postgresql://db.example.com/app?user=alice&password=Qj9&Xw4Zk7v");
    embedded.add("host=db.example.com password='Qj9 Xw4Zk7v' user=alice");
    embedded.add("host=db.example.com password = 'Qj9 Xw4\\'Zk7v' user=alice");
    embedded.add("host=db.example.com password='Qj9\\\\ Xw4\\'Zk7v'");
    embedded.add("host=db.example.com password='Qj9 Xw4Zk7v");
    embedded.add("PGPASSWORD=Qj9Xw4Zk7v");
    embedded.add("{\"password\": \"Qj9 Xw4\\\"Zk7v\"}");
    for (String text : embedded) {
      for (String message :
          List.of(
              text,
              "error: cannot connect to " + text + ": connection refused",
              "(" + text + ")",
              "'" + text + "' is not valid",
              "url=" + text + "\nnext line")) {
        String shown = Redaction.redact(message);
        for (String pw : passwords) {
          if (text.contains(pw)) {
            assertNoPiece(shown, pw);
          }
        }
        assertNoPiece(shown, "Qj9Xw4Zk7v");
        assertThat(shown).as(message).contains("***");
      }
    }
    // what is no secret stays readable
    assertThat(
            Redaction.redact(
                "jdbc:postgresql://db.example.com/app?user=alice&password=Qj9&sslmode=require"))
        .isEqualTo("jdbc:postgresql://db.example.com/app?user=alice&password=***&sslmode=require");
    assertThat(Redaction.redact("postgres://alice:Qj9 Xw4Zk7v@db.example.com/app"))
        .isEqualTo("postgres://alice:***@db.example.com/app");
    assertThat(Redaction.redact("at postgres://db.example.com:5432/app for admin@example.com"))
        .isEqualTo("at postgres://db.example.com:5432/app for admin@example.com");
  }

  /** Neither the password nor any of its 3-character pieces appears in the text. */
  static void assertNoPiece(String text, String password) {
    for (int i = 0; i + 3 <= password.length(); i++) {
      String piece = password.substring(i, i + 3);
      assertThat(text).as("a piece of the password: '%s' in %s", piece, text).doesNotContain(piece);
    }
  }
}

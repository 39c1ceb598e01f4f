package io.proddatareset.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("single-version")
class RedactionTest {
  @Test
  void aSchemeAfterOtherCharactersIsStillMasked() {
    assertThat(Redaction.redact("9postgres://u:pw-one@h/db")).isEqualTo("9postgres://u:***@h/db");
    assertThat(Redaction.redact("url=jdbc:postgresql://u:pw-two@h/db"))
        .isEqualTo("url=jdbc:postgresql://u:***@h/db");
    assertThat(Redaction.redact("(postgresql://u:pw-three@h/db)"))
        .isEqualTo("(postgresql://u:***@h/db)");
  }

  @Test
  void longTextWithoutSpacesIsRedactedQuickly() {
    String word = "x".repeat(200_000);
    String mixed = "a1".repeat(50_000) + " postgres://u:pw-four@h/db";
    long start = System.nanoTime();
    assertThat(Redaction.redact(word)).isEqualTo(word);
    assertThat(Redaction.redact(mixed)).endsWith("postgres://u:***@h/db");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void knownSecretsAreMaskedInAnyShape() {
    Redaction.addKnownSecret("Kn0wn/Secret value");
    assertThat(Redaction.redact("a Kn0wn/Secret value b")).isEqualTo("a *** b");
    assertThat(Redaction.redact("enc Kn0wn%2FSecret%20value and Kn0wn%2FSecret+value"))
        .isEqualTo("enc *** and ***");
    // too short to mask without garbling every message
    Redaction.addKnownSecret("ab");
    assertThat(Redaction.redact("abc")).isEqualTo("abc");
  }
}

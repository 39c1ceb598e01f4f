package io.proddatareset.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("single-version")
class AgentConsentTest {
  static final String GOOD = "Yes, wipe the test data in pm_agent. I have read the plan.";

  private static Map<String, String> env(String... pairs) {
    Map<String, String> m = new HashMap<>();
    m.put("HOME", "/home/someone");
    m.put("PATH", "/usr/bin");
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }

  private static ExitException refusal(Map<String, String> env) {
    Throwable t = catchThrowable(() -> AgentConsent.require(env, "reset"));
    assertThat(t).isInstanceOf(ExitException.class);
    ExitException e = (ExitException) t;
    assertThat(e.status()).isEqualTo(ExitStatus.REFUSED);
    assertThat(e.getMessage()).doesNotContain("\n").endsWith("Nothing was changed.");
    return e;
  }

  @Test
  void aPersonWithoutAnAgentNeedsNoConsentVariable() {
    AgentConsent.Check c = AgentConsent.require(env(), "reset");
    assertThat(c.agentDetected()).isFalse();
    assertThat(c.consent()).isNull();
    // empty variables do not count as an agent
    assertThat(AgentConsent.require(env("CLAUDECODE", "", "AI_AGENT", " "), "reset").agent())
        .isNull();
  }

  @Test
  void consentGivenWithoutAnAgentIsStillRecorded() {
    AgentConsent.Check c = AgentConsent.require(env("PDR_USER_CONSENT", "  yes  "), "reset");
    assertThat(c.agentDetected()).isFalse();
    assertThat(c.consent()).isEqualTo("yes");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "CLAUDECODE",
        "CLAUDE_CODE_ENTRYPOINT",
        "GEMINI_CLI",
        "CURSOR_AGENT",
        "CODEX_SANDBOX",
        "CODEX_SANDBOX_NETWORK_DISABLED",
        "CODEX_THREAD_ID",
        "REPLIT_CLI",
        "AI_AGENT"
      })
  void eachKnownAgentIsRefusedWithoutConsent(String variable) {
    ExitException e = refusal(env(variable, "1"));
    assertThat(e.getMessage())
        .contains("(" + variable + " is set)")
        .contains("'reset' changes the database")
        .contains("stop here, show the user the plan")
        .contains("run again with PDR_USER_CONSENT set to the user's reply in their own words");
  }

  @Test
  void theMessageNamesTheAgent() {
    assertThat(refusal(env("CLAUDECODE", "1")).getMessage())
        .startsWith("Claude Code is running this tool (CLAUDECODE is set), and 'reset'");
    assertThat(refusal(env("AI_AGENT", "devin@2")).getMessage())
        .startsWith("devin is running this tool (AI_AGENT is set)");
  }

  @Test
  void theUsersOwnWordsLetTheAgentThrough() {
    AgentConsent.Check c =
        AgentConsent.require(
            env("CLAUDECODE", "1", "PDR_USER_CONSENT", "  " + GOOD + "\n"), "reset");
    assertThat(c.agentDetected()).isTrue();
    assertThat(c.agent()).isEqualTo("Claude Code");
    assertThat(c.variable()).isEqualTo("CLAUDECODE");
    assertThat(c.consent()).isEqualTo(GOOD);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Go ahead and reset the staging data, I checked the list",
        "ja, löscht die Testdaten bitte",
        "ok wipe test data",
        "yes go ahead, the backup is fine"
      })
  void realRepliesAreAccepted(String reply) {
    assertThat(AgentConsent.weakness(reply)).isNull();
    assertThat(AgentConsent.require(env("GEMINI_CLI", "1", "PDR_USER_CONSENT", reply), "restore"))
        .extracting(AgentConsent.Check::consent)
        .isEqualTo(reply);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "yes",
        "y",
        "ok",
        "true",
        "1",
        "YES!",
        "yes yes yes",
        "ok ok ok ok",
        "I consent",
        "The user consents.",
        "user approved the reset",
        "The user said yes",
        "go ahead",
        "Yes, go ahead.",
        "<user's words>",
        "<paste the user's reply here>",
        "{{consent}}",
        "$PDR_USER_CONSENT",
        "TODO: ask the user",
        "the user's own words of consent",
        "a b c d"
      })
  void stockRepliesAndPlaceholdersAreRefused(String reply) {
    assertThat(AgentConsent.weakness(reply)).isNotNull();
    ExitException e = refusal(env("CODEX_SANDBOX", "seatbelt", "PDR_USER_CONSENT", reply));
    assertThat(e.getMessage())
        .startsWith("Codex is running this tool (CODEX_SANDBOX is set), and PDR_USER_CONSENT=")
        .contains("is not the user's own words of consent")
        .contains("stop here, show the user the plan, ask whether to 'reset'");
  }

  static final String NEED =
      ": the user's own words must say what they approve, in at least 3 different words";

  static Stream<Arguments> refusalReasons() {
    return Stream.of(
        // the same word repeated: three words, but one word
        Arguments.of("ok ok ok", "it repeats one word, 'ok'" + NEED),
        Arguments.of("Yes, yes, YES", "it repeats one word, 'yes'" + NEED),
        Arguments.of("yes", "it is one word" + NEED),
        Arguments.of("YES!", "it is one word" + NEED),
        Arguments.of("1", "it has no words" + NEED),
        Arguments.of("yes yes wipe", "it has only 2 different words" + NEED),
        // three different words, but too short to say anything
        Arguments.of(
            "ok do it",
            "it has only 6 letters, too few to say what is approved (at least 12 are needed)"),
        Arguments.of(
            "a b c d",
            "it has only 4 letters, too few to say what is approved (at least 12 are needed)"),
        // a real person may say these: what is missing is what they approve
        Arguments.of(
            "I agree",
            "it agrees without saying to what: the user's own words must say what they approve"),
        Arguments.of(
            "Yes, go ahead.",
            "it agrees without saying to what: the user's own words must say what they approve"),
        // words about the user, not the user's words
        Arguments.of(
            "The user consents.",
            "it reports that the user agreed instead of quoting what they said"),
        Arguments.of(
            "user approved the reset of the tables",
            "it reports that the user agreed instead of quoting what they said"),
        Arguments.of(
            "Consent given by the user in chat",
            "it reports that the user agreed instead of quoting what they said"),
        Arguments.of(
            "<user's words>",
            "it holds the template text <user's words> where the user's words belong"),
        Arguments.of(
            "{{consent}} from the chat",
            "it holds the template text {{consent}} where the user's words belong"),
        Arguments.of(
            "reply: ${CONSENT_TEXT} from the chat",
            "it holds the template text ${CONSENT_TEXT} where the user's words belong"),
        Arguments.of(
            "$PDR_USER_CONSENT",
            "it holds $PDR_USER_CONSENT, a variable name the shell did not expand, instead of the"
                + " user's words"),
        Arguments.of(
            "TODO: ask the user", "it holds the placeholder TODO instead of the user's words"),
        Arguments.of(
            "the user's own words of consent",
            "it describes the user's reply (user's own words) instead of quoting it"),
        Arguments.of(
            "paste the reply of the user",
            "it describes the user's reply (paste the reply) instead of quoting it"));
  }

  @ParameterizedTest
  @MethodSource("refusalReasons")
  void eachRefusalSaysWhatIsWrong(String reply, String reason) {
    assertThat(AgentConsent.weakness(reply)).isEqualTo(reason);
    assertThat(refusal(env("CLAUDECODE", "1", "PDR_USER_CONSENT", reply)).getMessage())
        .contains("is not the user's own words of consent (" + reason + "): stop here");
  }

  @Test
  void threeDifferentWordsWithEnoughLettersAreEnough() {
    assertThat(AgentConsent.weakness("wipe test tables")).isNull();
    assertThat(AgentConsent.weakness("wipe wipe test tables")).isNull();
  }

  @Test
  void theRestoreRefusalPointsAtTheRestorePreviewNotAtAPlan() {
    Throwable missing =
        catchThrowable(() -> AgentConsent.require(env("CLAUDECODE", "1"), "restore"));
    assertThat(missing.getMessage())
        .isEqualTo(
            "Claude Code is running this tool (CLAUDECODE is set), and 'restore' changes the"
                + " database, so it needs the user's consent: stop here, show the user what it"
                + " would load (prod-data-reset restore --dry-run with the same file and"
                + " options), ask whether to go ahead, and run again with PDR_USER_CONSENT set to"
                + " the user's reply in their own words. Nothing was changed.");
    Throwable weak =
        catchThrowable(
            () ->
                AgentConsent.require(
                    env("CLAUDECODE", "1", "PDR_USER_CONSENT", "ok ok ok"), "restore"));
    assertThat(weak.getMessage())
        .contains(
            "stop here, show the user the restore preview (restore --dry-run), ask whether to"
                + " 'restore', and pass their reply as they wrote it.")
        .doesNotContain("plan");
  }

  @Test
  void theResetRefusalNamesThePlanCommandAsTheUserRunsIt() {
    assertThat(refusal(env("CLAUDECODE", "1", "PDR_LAUNCHER", "./prod-data-reset")).getMessage())
        .contains(
            "stop here, show the user the plan (./prod-data-reset plan with the same target and"
                + " policy options), ask whether to go ahead");
    assertThat(refusal(env("CLAUDECODE", "1")).getMessage())
        .contains("(prod-data-reset plan with the same target and policy options)");
  }

  @Test
  void theRefusalQuotesTheTextShortAndWithoutSecrets() {
    String pasted = "ok postgres://u:hunter2-secret@db.example.com/app";
    ExitException e = refusal(env("CURSOR_AGENT", "1", "PDR_USER_CONSENT", "<" + pasted + ">"));
    assertThat(e.getMessage()).doesNotContain("hunter2-secret").contains("u:***@");
    String longText = "<" + "word ".repeat(100) + ">";
    ExitException e2 = refusal(env("CURSOR_AGENT", "1", "PDR_USER_CONSENT", longText));
    assertThat(e2.getMessage()).contains("...'").hasSizeLessThan(500);
  }

  @Test
  void theCheckFillsTheAuditRecord() {
    AgentConsent.Check c =
        AgentConsent.require(env("CLAUDECODE", "1", "PDR_USER_CONSENT", GOOD), "reset");
    AuditRecord r =
        AuditRecord.builder("reset").consent(c).outcome(AuditRecord.Outcome.STARTED).build();
    assertThat(r.agent()).isEqualTo("Claude Code");
    assertThat(r.consent()).isEqualTo(GOOD);
    assertThat(AuditLog.line(r)).contains("\"agent\":\"Claude Code\"");
  }
}

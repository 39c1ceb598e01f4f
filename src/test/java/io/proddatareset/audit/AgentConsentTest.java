package io.proddatareset.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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

package io.proddatareset.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.audit.AuditLog;
import io.proddatareset.audit.AuditRecord;
import io.proddatareset.connect.TargetParser;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;

/** The plan tells what a reset would cost the running app (issue 12, item 4). */
class AppCostTest {
  static final String POLICY = Path.of("examples/pm-agent.policy.yaml").toAbsolutePath().toString();
  static TestDatabase db;
  @TempDir Path dir;

  @BeforeAll
  static void setUp() {
    db = TestPostgres.freshDatabase("appcost").loadPmAgent(2);
  }

  Cli.Result plan(String... more) {
    String[] args = new String[4 + more.length];
    args[0] = "plan";
    args[1] = db.url();
    args[2] = "--policy";
    args[3] = POLICY;
    System.arraycopy(more, 0, args, 4, more.length);
    return new Cli().env("XDG_STATE_HOME", dir.resolve("state").toString()).run(args);
  }

  @Test
  void thePlanEstimatesTheWaitsAndNamesTheSessionsThatWouldBlockTheExclusiveLock()
      throws Exception {
    try (Connection holder = db.connect()) {
      try (Statement st = holder.createStatement()) {
        st.execute("SET application_name = 'long-reader'");
      }
      holder.setAutoCommit(false);
      try (Statement st = holder.createStatement()) {
        st.execute("SELECT count(*) FROM entities WHERE title <> 'secret-xyz'");
      }
      int pid = holder.unwrap(PGConnection.class).getBackendPID();

      Cli.Result text = plan();
      Cli.Result json = plan("--json");
      holder.rollback();

      assertThat(text.exitCode()).as(text.toString()).isZero();
      assertThat(text.out())
          .contains(
              "App cost, while the reset runs:\n"
                  + "  Writers into the reset and kept tables wait for the final phase: ",
              " of reset tables at 400 MB/s, estimated: no reset of this database is recorded in"
                  + " the audit log yet)",
              " the audit log yet), plus any retries of the exclusive lock (at most"
                  + " --lock-timeout).\n  Readers wait at most one lock attempt (150ms) at a time.",
              "Sessions that would block the exclusive lock now",
              "  - pid "
                  + pid
                  + " on public.entities (user postgres, application 'long-reader',"
                  + " idle in transaction for ",
              "SELECT count(*) FROM entities WHERE title <> ?")
          .doesNotContain("secret-xyz");

      assertThat(json.exitCode()).as(json.toString()).isZero();
      assertThat(json.out()).doesNotContain("secret-xyz");
      JsonNode cost = new ObjectMapper().readTree(json.out()).get("appCost");
      assertThat(cost.get("basis").asText()).isEqualTo("estimated");
      assertThat(cost.get("readerWaitMillis").asLong()).isEqualTo(150);
      assertThat(cost.get("rateBytesPerSecond").asLong()).isEqualTo(400L * 1024 * 1024);
      assertThat(cost.get("resetBytes").asLong()).isPositive();
      assertThat(cost.get("writerWaitSeconds").asDouble())
          .isEqualTo(Math.round(cost.get("resetBytes").asLong() * 1000.0 / (400 << 20)) / 1000.0);
      assertThat(cost.get("measuredAt").isNull()).isTrue();
      JsonNode blocker = cost.get("blockers").get(0);
      assertThat(cost.get("blockers")).hasSize(1);
      assertThat(blocker.get("pid").asInt()).isEqualTo(pid);
      assertThat(blocker.get("application").asText()).isEqualTo("long-reader");
      assertThat(blocker.get("state").asText()).isEqualTo("idle in transaction");
      assertThat(blocker.get("tables").get(0).asText()).isEqualTo("public.entities");
      assertThat(blocker.get("queryStart").asText())
          .isEqualTo("SELECT count(*) FROM entities WHERE title <> ?");
    }
    // without the holder there is no one to name
    Cli.Result free = plan();
    assertThat(free.out())
        .contains("App cost, while the reset runs:")
        .doesNotContain("would block the exclusive lock");
  }

  @Test
  void aRateMeasuredByAnEarlierResetOfThisDatabaseIsUsed() throws Exception {
    Path log = dir.resolve("audit.jsonl");
    AuditLog audit = AuditLog.at(log);
    // 100 MB in 500 ms: 200 MB/s, by another user of the same database
    audit.append(
        AuditRecord.builder("reset")
            .outcome(AuditRecord.Outcome.SUCCEEDED)
            .target(TargetParser.parse(db.url().replace("postgres@", "someone@")))
            .finalPhase(500, 100L << 20)
            .build());
    // not used: a failed reset, another database, a record without the fields
    audit.append(
        AuditRecord.builder("reset")
            .outcome(AuditRecord.Outcome.FAILED)
            .target(TargetParser.parse(db.url()))
            .finalPhase(1, 100L << 20)
            .build());
    audit.append(
        AuditRecord.builder("reset")
            .outcome(AuditRecord.Outcome.SUCCEEDED)
            .target(TargetParser.parse(db.url().replace("/" + db.name(), "/other")))
            .finalPhase(1, 100L << 20)
            .build());
    audit.append(
        AuditRecord.builder("reset")
            .outcome(AuditRecord.Outcome.SUCCEEDED)
            .target(TargetParser.parse(db.url()))
            .build());
    Files.writeString(log, "{torn line\n", java.nio.file.StandardOpenOption.APPEND);
    assertThat(Files.readString(log))
        .contains("\"finalPhaseMillis\":500,\"finalPhaseBytes\":" + (100L << 20));

    Cli.Result text = plan("--audit-log", log.toString());
    Cli.Result json = plan("--audit-log", log.toString(), "--json");

    assertThat(text.exitCode()).as(text.toString()).isZero();
    String today = Instant.now().toString().substring(0, 10);
    assertThat(text.out())
        .contains(" of reset tables at 200 MB/s, measured by the reset of " + today + ")");
    JsonNode cost = new ObjectMapper().readTree(json.out()).get("appCost");
    assertThat(cost.get("basis").asText()).isEqualTo("measured");
    assertThat(cost.get("rateBytesPerSecond").asLong()).isEqualTo(200L << 20);
    assertThat(cost.get("measuredAt").asText()).startsWith(today);
  }
}

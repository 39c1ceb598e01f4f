package io.proddatareset.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plan refuses what the reset's in-transaction check would roll back: an ON TRUNCATE trigger
 * that fires during the reset and writes into a kept table (or, firing after the TRUNCATE, into a
 * reset table). Real triggers, real resets.
 */
class TruncateTriggerHazardTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  /** events and notes are reset, audit is kept; each test adds its own trigger on events. */
  static TestDatabase database(String... trigger) {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE events (id int)",
        "CREATE TABLE notes (id int)",
        "CREATE TABLE audit (what text)",
        "INSERT INTO events SELECT generate_series(1, 5)",
        "INSERT INTO notes SELECT generate_series(1, 2)",
        "INSERT INTO audit VALUES ('created')");
    db.exec(trigger);
    return db;
  }

  static Cli.Result plan(TestDatabase db) {
    return new Cli().run("plan", db.url(), "--keep", "audit", "--json");
  }

  Cli.Result reset(TestDatabase db) {
    return new Cli()
        .run(
            "reset",
            db.url(),
            "--keep",
            "audit",
            "--backup",
            dir.resolve(db.name() + ".sql").toString(),
            "--confirm",
            db.name());
  }

  static List<String> codes(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false)
        .map(n -> n.get("code").asText())
        .toList();
  }

  @Test
  void aTriggerThatWritesIntoAKeptTableIsAHazardAndTheResetChangesNothing() throws Exception {
    TestDatabase db =
        database(
            "CREATE FUNCTION log_truncate() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN INSERT INTO public.\"audit\" VALUES ('truncated ' || TG_TABLE_NAME);"
                + " RETURN NULL; END $$",
            "CREATE TRIGGER events_truncated AFTER TRUNCATE ON events"
                + " FOR EACH STATEMENT EXECUTE FUNCTION log_truncate()");
    Map<String, List<String>> before = db.snapshot();

    Cli.Result r = plan(db);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    JsonNode plan = JSON.readTree(r.out());
    assertThat(codes(plan.get("hazards"))).containsExactly("TRUNCATE_TRIGGER_WRITES_KEPT");
    JsonNode h = plan.get("hazards").get(0);
    assertThat(h.get("message").asText())
        .isEqualTo(
            "AFTER TRUNCATE trigger events_truncated on public.events runs log_truncate(), which"
                + " names kept table public.audit: if it writes there, the reset's check finds the"
                + " kept table changed and rolls the reset back.");
    assertThat(h.get("remedy").asText())
        .isEqualTo(
            "Disable the trigger for the reset (ALTER TABLE public.events DISABLE TRIGGER"
                + " events_truncated, and ENABLE it again afterwards), or reset public.audit too"
                + " (add it to --reset).");
    assertThat(r.err()).contains("TRUNCATE_TRIGGER_WRITES_KEPT");

    Path backup = dir.resolve(db.name() + ".sql");
    Cli.Result reset = reset(db);
    assertThat(reset.exitCode()).as(reset.toString()).isEqualTo(3);
    assertThat(reset.out()).contains("[TRUNCATE_TRIGGER_WRITES_KEPT]");
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(Files.exists(backup)).isFalse();
  }

  @Test
  void theKeptTableCanComeThroughTheTriggersArguments() throws Exception {
    TestDatabase db =
        database(
            "CREATE FUNCTION log_into() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN EXECUTE format('INSERT INTO %I VALUES (''t'')', TG_ARGV[0]);"
                + " RETURN NULL; END $$",
            "CREATE TRIGGER events_truncated BEFORE TRUNCATE ON events"
                + " FOR EACH STATEMENT EXECUTE FUNCTION log_into('AUDIT')");
    Cli.Result r = plan(db);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(codes(JSON.readTree(r.out()).get("hazards")))
        .containsExactly("TRUNCATE_TRIGGER_WRITES_KEPT");
  }

  @Test
  void aDisabledTriggerIsNoHazardAndIsNotAnnounced() throws Exception {
    TestDatabase db =
        database(
            "CREATE FUNCTION log_truncate() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN INSERT INTO audit VALUES ('truncated'); RETURN NULL; END $$",
            "CREATE TRIGGER events_truncated AFTER TRUNCATE ON events"
                + " FOR EACH STATEMENT EXECUTE FUNCTION log_truncate()",
            "ALTER TABLE events DISABLE TRIGGER events_truncated",
            // replica-only triggers do not fire in an ordinary session either
            "CREATE TRIGGER events_replica AFTER TRUNCATE ON events"
                + " FOR EACH STATEMENT EXECUTE FUNCTION log_truncate()",
            "ALTER TABLE events ENABLE REPLICA TRIGGER events_replica");
    Cli.Result r = plan(db);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode plan = JSON.readTree(r.out());
    assertThat(plan.get("hazards")).isEmpty();
    assertThat(codes(plan.get("warnings"))).doesNotContain("TRUNCATE_TRIGGER");
    Cli.Result text = new Cli().run("plan", db.url(), "--keep", "audit");
    assertThat(text.out()).doesNotContain("events_truncated").doesNotContain("events_replica");

    Cli.Result reset = reset(db);
    assertThat(reset.exitCode()).as(reset.toString()).isZero();
    // (that the reset does not announce them is ResetCommand's, through firingTruncateTriggers)
    assertThat(db.count("events")).isZero();
    assertThat(db.queryStrings("SELECT what FROM audit")).containsExactly("created");
  }

  @Test
  void anAlwaysTriggerFiresAndIsAHazard() throws Exception {
    TestDatabase db =
        database(
            "CREATE FUNCTION log_truncate() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN INSERT INTO audit VALUES ('truncated'); RETURN NULL; END $$",
            "CREATE TRIGGER events_truncated AFTER TRUNCATE ON events"
                + " FOR EACH STATEMENT EXECUTE FUNCTION log_truncate()",
            "ALTER TABLE events ENABLE ALWAYS TRIGGER events_truncated");
    Cli.Result r = plan(db);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(codes(JSON.readTree(r.out()).get("hazards")))
        .containsExactly("TRUNCATE_TRIGGER_WRITES_KEPT");
  }

  @Test
  void aBeforeTriggerThatWritesIntoAnotherResetTableIsNoHazardAndTheResetSucceeds()
      throws Exception {
    TestDatabase db =
        database(
            "CREATE FUNCTION note_truncate() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN INSERT INTO notes VALUES (99); RETURN NULL; END $$",
            "CREATE TRIGGER events_truncated BEFORE TRUNCATE ON events"
                + " FOR EACH STATEMENT EXECUTE FUNCTION note_truncate()");
    Cli.Result r = plan(db);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode plan = JSON.readTree(r.out());
    assertThat(plan.get("hazards")).isEmpty();
    assertThat(codes(plan.get("warnings"))).contains("TRUNCATE_TRIGGER");

    Cli.Result reset = reset(db);
    assertThat(reset.exitCode()).as(reset.toString()).isZero();
    assertThat(db.count("events")).isZero();
    assertThat(db.count("notes")).isZero();
    assertThat(db.count("audit")).isEqualTo(1);
  }

  @Test
  void anAfterTriggerThatRefillsAResetTableIsAHazardAndTheResetChangesNothing() throws Exception {
    TestDatabase db =
        database(
            "CREATE FUNCTION note_truncate() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN INSERT INTO notes VALUES (99); RETURN NULL; END $$",
            "CREATE TRIGGER events_truncated AFTER TRUNCATE ON events"
                + " FOR EACH STATEMENT EXECUTE FUNCTION note_truncate()");
    Map<String, List<String>> before = db.snapshot();
    Cli.Result r = plan(db);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    JsonNode h = JSON.readTree(r.out()).get("hazards").get(0);
    assertThat(h.get("code").asText()).isEqualTo("TRUNCATE_TRIGGER_REFILLS_RESET");
    assertThat(h.get("message").asText())
        .startsWith(
            "AFTER TRUNCATE trigger events_truncated on public.events runs note_truncate(), which"
                + " names reset table public.notes: it fires after the tables are emptied");
    assertThat(h.get("remedy").asText()).endsWith("or make it a BEFORE TRUNCATE trigger.");

    Cli.Result reset = reset(db);
    assertThat(reset.exitCode()).as(reset.toString()).isEqualTo(3);
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void aFunctionWhoseSourceCannotBeReadIsAWarningNotAHazard() throws Exception {
    // an internal (C) trigger function: its source is a symbol, not code to read
    TestDatabase db =
        database(
            "CREATE TRIGGER events_internal BEFORE TRUNCATE ON events"
                + " FOR EACH STATEMENT EXECUTE FUNCTION suppress_redundant_updates_trigger()");
    Cli.Result r = plan(db);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode plan = JSON.readTree(r.out());
    assertThat(plan.get("hazards")).isEmpty();
    JsonNode unchecked =
        java.util.stream.StreamSupport.stream(plan.get("warnings").spliterator(), false)
            .filter(w -> w.get("code").asText().equals("TRUNCATE_TRIGGER_UNCHECKED"))
            .findFirst()
            .orElseThrow();
    assertThat(unchecked.get("message").asText())
        .isEqualTo(
            "BEFORE TRUNCATE trigger events_internal on public.events runs"
                + " suppress_redundant_updates_trigger(), written in internal: its source cannot"
                + " be checked for writes into kept tables. It runs during the reset; if it writes"
                + " into a kept table, the reset's check rolls the reset back.");
  }

  @Test
  void mentionsAreWholeWordsInAnyCaseQuotedOrQualified() {
    assertThat(TruncateTriggers.mentions("INSERT INTO public.audit VALUES (1)", "audit")).isTrue();
    assertThat(TruncateTriggers.mentions("insert into \"AUDIT\"", "audit")).isTrue();
    assertThat(TruncateTriggers.mentions("INSERT INTO audit_log", "audit")).isFalse();
    assertThat(TruncateTriggers.mentions("INSERT INTO my_audit", "audit")).isFalse();
    assertThat(TruncateTriggers.mentions("INSERT INTO \"Audit Log\"", "Audit Log")).isTrue();
    assertThat(TruncateTriggers.mentions("INSERT INTO \"a\"\"b\"", "a\"b")).isTrue();
    assertThat(TruncateTriggers.mentions("INSERT INTO 表格", "表格")).isTrue();
    assertThat(TruncateTriggers.mentions("INSERT INTO 表格二", "表格")).isFalse();
  }
}

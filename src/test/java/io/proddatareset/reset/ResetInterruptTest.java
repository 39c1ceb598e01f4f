package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C in the middle of a reset: a real signal to a real process. */
@Tag("single-version")
class ResetInterruptTest {
  @TempDir Path dir;

  @Test
  void interruptDuringTheBackupRollsBackAndRemovesThePartialFile() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("sigint").loadPmAgent(50);
    Map<String, List<String>> before = db.snapshot();
    Path backup = dir.resolve("interrupted.sql");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb =
        new ProcessBuilder(
            java.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "io.proddatareset.cli.Main",
            "reset",
            db.url(),
            "--policy",
            ResetCommandTest.POLICY.toString(),
            "--backup",
            backup.toString(),
            "--confirm",
            db.name(),
            "--jobs",
            "1",
            "--audit-log",
            dir.resolve("audit.jsonl").toString());
    pb.environment()
        .keySet()
        .removeIf(
            k ->
                k.startsWith("CLAUDE")
                    || k.equals("AI_AGENT")
                    || k.startsWith("CODEX")
                    || k.equals("GEMINI_CLI")
                    || k.equals("CURSOR_AGENT")
                    || k.equals("REPLIT_CLI")
                    || k.equals("DATABASE_URL"));
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
    Process p = pb.start();

    boolean sent = false;
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      long deadline = System.currentTimeMillis() + 60_000;
      while (!sent && p.isAlive() && System.currentTimeMillis() < deadline) {
        try (ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'prod-data-reset'"
                    + " AND datname = current_database() AND state = 'active' AND query ILIKE 'COPY%'")) {
          rs.next();
          if (rs.getInt(1) > 0) {
            // SIGTERM takes the same path as Ctrl-C (the JVM runs its shutdown hooks); SIGINT
            // itself
            // is ignored by processes started from a background job, which would make the test
            // vacuous
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
            sent = true;
          }
        }
        Thread.sleep(2);
      }
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = Files.readString(dir.resolve("out.txt"));
    assertThat(sent).as("the backup was seen running; output:\n" + out).isTrue();
    assertThat(p.exitValue()).as(out).isNotZero();
    assertThat(out).doesNotContain("Reset committed");
    assertThat(db.snapshot()).isEqualTo(before);
    try (var files = Files.list(dir)) {
      assertThat(
              files
                  .map(f -> f.getFileName().toString())
                  .filter(n -> n.contains("interrupted"))
                  .toList())
          .isEmpty();
    }
  }
}

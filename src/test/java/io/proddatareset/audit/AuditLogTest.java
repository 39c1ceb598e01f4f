package io.proddatareset.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.audit.AuditRecord.Outcome;
import io.proddatareset.connect.TargetParser;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("single-version")
class AuditLogTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PASSWORD = "Aud1t-Secret-pw%40x";

  @TempDir Path tmp;

  private static List<JsonNode> read(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  @Test
  void theDefaultPlaceFollowsXdgStateHome() {
    assertThat(AuditLog.defaultPath(Map.of("XDG_STATE_HOME", "/var/st", "HOME", "/home/a")))
        .isEqualTo(Path.of("/var/st/prod-data-reset/audit.jsonl"));
    // a relative XDG_STATE_HOME is ignored, as the XDG specification says
    assertThat(AuditLog.defaultPath(Map.of("XDG_STATE_HOME", "rel", "HOME", "/home/a")))
        .isEqualTo(Path.of("/home/a/.local/state/prod-data-reset/audit.jsonl"));
    assertThat(AuditLog.defaultPath(Map.of("HOME", "/home/a")))
        .isEqualTo(Path.of("/home/a/.local/state/prod-data-reset/audit.jsonl"));
    assertThat(AuditLog.resolve(Path.of("/x/explicit.jsonl"), Map.of("HOME", "/home/a")).path())
        .isEqualTo(Path.of("/x/explicit.jsonl"));
    assertThat(AuditLog.resolve(null, Map.of("HOME", "/home/a")).path())
        .isEqualTo(Path.of("/home/a/.local/state/prod-data-reset/audit.jsonl"));
  }

  @Test
  void theFileIsCreatedPrivateInPrivateDirectories() throws Exception {
    Path state = tmp.resolve("state");
    AuditLog log = AuditLog.fromEnv(Map.of("XDG_STATE_HOME", state.toString()));

    log.append(AuditRecord.builder("backup").outcome(Outcome.STARTED).build());

    Path file = state.resolve("prod-data-reset/audit.jsonl");
    assertThat(log.path()).isEqualTo(file);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state)))
        .isEqualTo("rwx------");
    assertThat(Files.readAllLines(file)).hasSize(1);
  }

  @Test
  void eachEventIsOneLineOfJsonWithEveryField() throws Exception {
    Path file = tmp.resolve("audit.jsonl");
    AuditLog log = AuditLog.at(file);
    Map<String, Long> tables = new LinkedHashMap<>();
    tables.put("public.tasks", 120L);
    tables.put("public.\"Odd Name\"", 3L);
    String sha = "ab".repeat(32);
    AuditRecord.Builder run =
        AuditRecord.builder("reset")
            .target(TargetParser.parse("postgres://app:pw123456@db.example.com/prod"))
            .planId("plan-7f3a")
            .consent("Yes, reset the staging data now.\nI have the backup.")
            .tables(tables);

    log.append(run.outcome(Outcome.STARTED).build());
    log.append(
        run.outcome(Outcome.SUCCEEDED)
            .backup("/backups/prod.sql.zst", sha)
            .duration(Duration.ofMillis(1234))
            .build());

    List<String> raw = Files.readAllLines(file);
    assertThat(raw).hasSize(2);
    List<JsonNode> lines = read(file);
    JsonNode started = lines.get(0);
    JsonNode done = lines.get(1);
    assertThat(started.get("outcome").asText()).isEqualTo("started");
    assertThat(done.get("outcome").asText()).isEqualTo("succeeded");
    assertThat(done.get("run").asText()).isEqualTo(started.get("run").asText()).isNotBlank();
    assertThat(done.get("command").asText()).isEqualTo("reset");
    assertThat(Instant.parse(done.get("time").asText()))
        .isBetween(Instant.now().minusSeconds(60), Instant.now());
    assertThat(done.get("user").asText()).isEqualTo(System.getProperty("user.name"));
    assertThat(done.get("host").asText()).isNotBlank();
    assertThat(done.get("target").asText()).isEqualTo("postgresql://app@db.example.com:5432/prod");
    assertThat(done.get("planId").asText()).isEqualTo("plan-7f3a");
    assertThat(done.get("tables").get(0).get("table").asText()).isEqualTo("public.tasks");
    assertThat(done.get("tables").get(0).get("rows").asLong()).isEqualTo(120);
    assertThat(done.get("tables").get(1).get("table").asText()).isEqualTo("public.\"Odd Name\"");
    assertThat(done.get("backup").get("file").asText()).isEqualTo("/backups/prod.sql.zst");
    assertThat(done.get("backup").get("sha256").asText()).isEqualTo(sha);
    assertThat(done.get("consent").asText())
        .isEqualTo("Yes, reset the staging data now.\nI have the backup.");
    assertThat(done.get("durationMs").asLong()).isEqualTo(1234);
    assertThat(started.has("backup")).isFalse();
    assertThat(started.has("durationMs")).isFalse();
    assertThat(done.has("error")).isFalse();
  }

  @Test
  void aPasswordNeverReachesTheLog() throws Exception {
    Path file = tmp.resolve("audit.jsonl");
    AuditLog log = AuditLog.at(file);
    String url = "postgresql://app:" + PASSWORD + "@db.example.com:5432/prod?sslmode=require";

    log.append(
        AuditRecord.builder("reset")
            .target(TargetParser.parse(url))
            .outcome(Outcome.FAILED)
            .error(new IllegalStateException("could not connect to " + url))
            .consent("go ahead with " + url)
            .build());
    log.append(
        AuditRecord.builder("restore")
            .target(url)
            .outcome(Outcome.REFUSED)
            .error("bad input: password=" + PASSWORD + " host=db.example.com")
            .noBackupReason("snapshot taken by " + url)
            .build());

    String content = Files.readString(file);
    assertThat(content).doesNotContain(PASSWORD).doesNotContain("Aud1t-Secret");
    List<JsonNode> lines = read(file);
    assertThat(lines.get(0).get("error").asText())
        .isEqualTo(
            "IllegalStateException: could not connect to"
                + " postgresql://app:***@db.example.com:5432/prod?sslmode=require");
    assertThat(lines.get(1).get("target").asText())
        .isEqualTo("postgresql://app:***@db.example.com:5432/prod?sslmode=require");
    assertThat(lines.get(1).get("error").asText())
        .isEqualTo("bad input: password=*** host=db.example.com");
  }

  @Test
  void concurrentAppendsFromThreadsNeverInterleave() throws Exception {
    Path file = tmp.resolve("audit.jsonl");
    int threads = 4;
    int each = 40;
    // lines far longer than a pipe buffer or a page, so a torn write would show
    String filler = "x".repeat(20_000);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      done.add(
          pool.submit(
              () -> {
                AuditLog log = AuditLog.at(file); // an instance of its own, as separate runs have
                go.await();
                for (int i = 0; i < each; i++) {
                  log.append(
                      AuditRecord.builder("backup")
                          .outcome(Outcome.STARTED)
                          .consent(thread + ":" + i + ":" + filler)
                          .build());
                }
                return null;
              }));
    }
    go.countDown();
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();

    List<JsonNode> lines = read(file);
    assertThat(lines).hasSize(threads * each);
    Set<String> seen = new HashSet<>();
    for (JsonNode line : lines) {
      String consent = line.get("consent").asText();
      assertThat(consent).endsWith(":" + filler);
      seen.add(consent.substring(0, consent.indexOf(':', consent.indexOf(':') + 1)));
    }
    assertThat(seen).hasSize(threads * each);
  }

  @Test
  void concurrentAppendsFromProcessesNeverInterleave() throws Exception {
    Path file = tmp.resolve("audit.jsonl");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> processes = new ArrayList<>();
    int each = 40;
    for (int p = 0; p < 2; p++) {
      processes.add(
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  AppendMany.class.getName(),
                  file.toString(),
                  "p" + p,
                  Integer.toString(each))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start());
    }
    for (Process p : processes) {
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
    }
    List<JsonNode> lines = read(file);
    assertThat(lines).hasSize(2 * each);
    assertThat(lines).allMatch(l -> l.get("consent").asText().length() > 30_000);
  }

  /** Appends N long lines to a log; run in child processes by the test above. */
  public static final class AppendMany {
    public static void main(String[] args) {
      AuditLog log = AuditLog.at(Path.of(args[0]));
      String filler = "y".repeat(30_000);
      for (int i = 0; i < Integer.parseInt(args[2]); i++) {
        log.append(
            AuditRecord.builder("reset")
                .outcome(Outcome.STARTED)
                .consent(args[1] + ":" + i + ":" + filler)
                .build());
      }
    }
  }

  @Test
  void anUnwritablePlaceIsOneClearFailure() throws Exception {
    Path blocker = Files.writeString(tmp.resolve("not-a-directory"), "");
    AuditLog log = AuditLog.at(blocker.resolve("audit.jsonl"));

    Throwable t = catchThrowable(log::ensureWritable);
    assertThat(t).isInstanceOf(ExitException.class);
    assertThat(((ExitException) t).status()).isEqualTo(ExitStatus.FAILURE);
    assertThat(t.getMessage())
        .isEqualTo(
            "Cannot write the audit log "
                + blocker.resolve("audit.jsonl")
                + " (a file is in the way of a directory): fix that, or choose another file with"
                + " --audit-log FILE.");
    assertThatThrownBy(
            () -> log.append(AuditRecord.builder("reset").outcome(Outcome.STARTED).build()))
        .isInstanceOf(ExitException.class)
        .hasMessageStartingWith("Cannot write the audit log ");
  }

  @Test
  void aFullDiskIsOneClearFailure() {
    Assumptions.assumeTrue(new File("/dev/full").exists(), "this machine has no /dev/full");
    AuditLog log = AuditLog.at(Path.of("/dev/full"));
    assertThatThrownBy(
            () -> log.append(AuditRecord.builder("reset").outcome(Outcome.STARTED).build()))
        .isInstanceOf(ExitException.class)
        .hasMessage(
            "Cannot write the audit log /dev/full (No space left on device): fix that, or choose"
                + " another file with --audit-log FILE.");
  }

  @Test
  void aRecordNeedsAnOutcomeAndAHexHash() {
    assertThatThrownBy(() -> AuditRecord.builder("reset").build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () ->
                AuditRecord.builder("reset")
                    .outcome(Outcome.SUCCEEDED)
                    .backup("/b.sql", "not-a-hash")
                    .build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}

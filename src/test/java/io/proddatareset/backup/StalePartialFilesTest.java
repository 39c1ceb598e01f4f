package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup killed with SIGKILL cannot remove its hidden partial file, which may hold production
 * rows: the next run writing into that directory names it (and leaves it for a person to check).
 */
@Tag("single-version")
class StalePartialFilesTest {
  @TempDir Path dir;

  @Test
  void aBackupKilledMidCopyLeavesAPartialFileThatTheNextRunNames() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("sigkill").loadPmAgent(50);
    Path backup = dir.resolve("killed.sql");
    Path partial = killBackupMidCopy(db, backup);
    long size = Files.size(partial);

    // the next backup into the directory says what was left and by whom, and leaves it there
    Cli.Result next = RoundTrips.backup(db, dir.resolve("next.sql"), "--all", "--jobs", "2");
    assertThat(next.exitCode()).as(next.toString()).isZero();
    assertThat(next.err())
        .contains(
            "warning: "
                + partial.getFileName()
                + " in "
                + dir.toAbsolutePath()
                + " was left by an earlier run that was killed (started ")
        .contains(
            ", " + size + " bytes); it may hold production rows: remove it when you have checked");
    assertThat(next.out()).doesNotContain("warning");
    assertThat(partial).exists();

    // with stdout carrying the backup, the manifest's directory is the one looked at
    Cli.BytesResult streamed =
        new Cli()
            .runForBytes(
                "backup",
                "--url",
                db.url(),
                "--reset",
                "tags",
                "-o",
                "-",
                "--manifest",
                dir.resolve("tags.manifest.json").toString());
    assertThat(streamed.exitCode()).as(streamed.toString()).isZero();
    assertThat(streamed.err()).contains("warning: " + partial.getFileName());
  }

  @Test
  void aResetIntoTheDirectoryOfAKilledRunNamesItsPartialFileBeforeTheConfirmation()
      throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("sigkill_reset").loadPmAgent(50);
    Path partial = killBackupMidCopy(db, dir.resolve("killed.sql"));
    String warning =
        "warning: "
            + partial.getFileName()
            + " in "
            + dir.toAbsolutePath()
            + " was left by an earlier run that was killed (started ";
    String policy = Path.of("examples/pm-agent.policy.yaml").toAbsolutePath().toString();

    // asked at the prompt, the user sees the warning before typing the name, and can stop there
    Cli.Result cancelled =
        new Cli()
            .env("XDG_STATE_HOME", dir.resolve("state").toString())
            .stdin("no\n", true)
            .run(
                "reset", db.url(), "--policy", policy, "--backup", dir.resolve("r.sql").toString());
    assertThat(cancelled.exitCode()).as(cancelled.toString()).isEqualTo(5);
    assertThat(cancelled.err()).contains(warning);
    assertThat(cancelled.err().indexOf(warning))
        .isLessThan(cancelled.err().indexOf("type the database name"));

    Cli.Result reset =
        new Cli()
            .env("XDG_STATE_HOME", dir.resolve("state").toString())
            .run(
                "reset",
                db.url(),
                "--policy",
                policy,
                "--backup",
                dir.resolve("reset.sql").toString(),
                "--confirm",
                db.name());
    assertThat(reset.exitCode()).as(reset.toString()).isZero();
    assertThat(reset.err()).contains(warning);
    assertThat(reset.out()).doesNotContain("warning");

    // the seed form, URL --backup FILE, goes the same way
    Cli.Result seed =
        new Cli()
            .env("XDG_STATE_HOME", dir.resolve("state").toString())
            .run(
                db.url(),
                "--policy",
                policy,
                "--backup",
                dir.resolve("seed.sql").toString(),
                "--confirm",
                db.name());
    assertThat(seed.exitCode()).as(seed.toString()).isZero();
    assertThat(seed.err()).contains(warning);
    // named, never removed: only a person can tell what it holds
    assertThat(partial).exists();
  }

  @Test
  void filesOfARunStillGoingAreNotNamedAndOldUnnumberedOnesAre() throws Exception {
    long self = ProcessHandle.current().pid();
    // this process is running: its partial file is another backup's, at work
    Path running = Files.writeString(dir.resolve(".a.sql.p" + self + ".123.partial"), "rows");
    // a process id that no running process has
    long gone = deadPid();
    Path killed = Files.writeString(dir.resolve(".b.sql.p" + gone + ".456.partial"), "rows");
    // written by an earlier version, which did not put the process id in the name
    Path old = Files.writeString(dir.resolve(".c.sql.789.partial"), "r");
    Files.setLastModifiedTime(old, FileTime.from(Instant.now().minusSeconds(3600)));
    Path recent = Files.writeString(dir.resolve(".d.sql.789.partial"), "r");
    Path spool = Files.writeString(dir.resolve(".prod-data-reset.p" + gone + ".1.spool"), "rows");
    // not this tool's
    Files.writeString(dir.resolve(".download.partial"), "x");
    Files.writeString(dir.resolve("visible.sql.1.partial"), "x");

    List<PartialFiles.Stale> stale = PartialFiles.leftBehind(dir.resolve("new.sql"));

    assertThat(stale.stream().map(s -> s.file().getFileName().toString()))
        .containsExactlyInAnyOrder(
            killed.getFileName().toString(),
            old.getFileName().toString(),
            spool.getFileName().toString());
    assertThat(stale.stream().map(PartialFiles.Stale::file)).doesNotContain(running, recent);
    PartialFiles.Stale one =
        stale.stream().filter(s -> s.file().equals(killed)).findFirst().orElseThrow();
    assertThat(one.pid()).isEqualTo(gone);
    assertThat(one.warning())
        .startsWith(killed.getFileName() + " in " + dir.toAbsolutePath() + " was left by")
        .contains("4 bytes");
  }

  /**
   * Starts {@code backup --all -o backup} in a child JVM and kills it with SIGKILL while it copies,
   * once its partial file exists; returns that file, which the killed run could not remove.
   */
  private Path killBackupMidCopy(TestDatabase db, Path backup) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb =
        new ProcessBuilder(
            java.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "io.proddatareset.cli.Main",
            "backup",
            db.url(),
            "--all",
            "-o",
            backup.toString(),
            "--jobs",
            "1",
            "--audit-log",
            dir.resolve("audit.jsonl").toString());
    pb.environment().remove("DATABASE_URL");
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
    Process p = pb.start();
    boolean killed = false;
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      long deadline = System.currentTimeMillis() + 60_000;
      while (!killed && p.isAlive() && System.currentTimeMillis() < deadline) {
        try (ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'prod-data-reset'"
                    + " AND datname = current_database() AND state = 'active'"
                    + " AND query ILIKE 'COPY%'")) {
          rs.next();
          if (rs.getInt(1) > 0 && !partials().isEmpty()) {
            new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start().waitFor();
            killed = true;
          }
        }
        Thread.sleep(5);
      }
    } finally {
      p.destroyForcibly();
    }
    assertThat(killed).as(Files.readString(dir.resolve("out.txt"))).isTrue();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(137);

    List<Path> left = partials();
    assertThat(left).hasSize(1);
    Path partial = left.get(0);
    assertThat(partial.getFileName().toString())
        .startsWith("." + backup.getFileName() + ".p" + p.pid() + ".")
        .endsWith(".partial");
    assertThat(Files.size(partial)).isPositive();
    assertThat(backup).doesNotExist();
    return partial;
  }

  private static long deadPid() {
    for (long pid = 4_000_000; pid > 3_000_000; pid--) {
      if (ProcessHandle.of(pid).isEmpty()) {
        return pid;
      }
    }
    throw new IllegalStateException("no free process id");
  }

  private List<Path> partials() throws java.io.IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> f.getFileName().toString().endsWith(".partial")).toList();
    }
  }
}

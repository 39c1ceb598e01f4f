package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.HoldingProxy;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real faults at the steps of the two-phase reset: the copy's connection S or the reset's own
 * connection T terminated by the server ({@code pg_terminate_backend}) while a statement of that
 * step is held at a TCP proxy. Each leaves the database as it was and no backup behind.
 */
class ResetPhasesFaultsTest {
  @TempDir Path dir;
  TestDatabase db;
  HoldingProxy proxy;
  Map<String, List<String>> before;

  @BeforeEach
  void setUp() throws Exception {
    db = TestPostgres.freshDatabase("phases").loadPmAgent(3);
    proxy = new HoldingProxy(db.port());
    before = db.snapshot();
  }

  @AfterEach
  void tearDown() throws Exception {
    proxy.close();
  }

  private CompletableFuture<Cli.Result> reset() {
    return reset(proxy.port());
  }

  private CompletableFuture<Cli.Result> reset(int port) {
    return CompletableFuture.supplyAsync(
        () ->
            new Cli()
                .env("XDG_STATE_HOME", dir.resolve("state").toString())
                .run(
                    "reset",
                    "postgres://postgres@localhost:" + port + "/" + db.name() + "?sslmode=disable",
                    "--policy",
                    ResetCommandTest.POLICY.toString(),
                    "--backup",
                    dir.resolve("b.sql").toString(),
                    "--confirm",
                    db.name(),
                    "--lock-timeout",
                    "20s"));
  }

  /** The reset's connection T holds the claim (an advisory lock); S and the others do not. */
  private static final String TOOL =
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'prod-data-reset'"
          + " AND datname = current_database() AND pid <> pg_backend_pid()";

  private static final String HOLDS_CLAIM =
      "pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)";

  private void terminate(String which) {
    List<String> pids = db.queryStrings(TOOL + " AND " + which);
    assertThat(pids).as("the session to terminate").hasSize(1);
    db.queryStrings("SELECT pg_terminate_backend(" + pids.get(0) + ")");
  }

  /** Lets the held statement go; its connection may be gone already (the server ended it). */
  private static void releaseGone(HoldingProxy p) {
    try {
      p.release();
    } catch (java.io.IOException e) {
      // the terminated session's socket is closed: nothing left to release
    }
  }

  private void assertNothingChanged(Cli.Result r) throws Exception {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err())
        .containsIgnoringCase("nothing was changed")
        .doesNotContain("Reset committed");
    assertThat(db.snapshot()).isEqualTo(before);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("state")))
          .as("no backup, partial or whole, is left")
          .isEmpty();
    }
    // the locks went with the sessions: the app can write again at once
    db.exec(
        "SET lock_timeout = '2s'",
        "INSERT INTO tags (project_id, name) SELECT min(id), 'after' FROM projects");
  }

  @Test
  void theCopysConnectionTerminatedDuringTheCopyChangesNothing() throws Exception {
    proxy.holdWhen("TO STDOUT");
    CompletableFuture<Cli.Result> run = reset();
    assertThat(proxy.awaitHeld(30)).isTrue();
    terminate("NOT " + HOLDS_CLAIM);
    releaseGone(proxy);
    assertNothingChanged(run.get(60, TimeUnit.SECONDS));
  }

  @Test
  void theResetsConnectionTerminatedDuringTheCopyChangesNothing() throws Exception {
    proxy.holdWhen("TO STDOUT");
    CompletableFuture<Cli.Result> run = reset();
    assertThat(proxy.awaitHeld(30)).isTrue();
    terminate(HOLDS_CLAIM);
    releaseGone(proxy);
    assertNothingChanged(run.get(60, TimeUnit.SECONDS));
  }

  @Test
  void theResetsConnectionTerminatedWhileItClassifiesUnderItsLocksChangesNothing()
      throws Exception {
    proxy.holdWhen("count(*) FILTER (WHERE age(xmin)");
    CompletableFuture<Cli.Result> run = reset();
    assertThat(proxy.awaitHeld(30)).isTrue();
    // T holds its SHARE locks now: writers wait for them
    assertThat(db.queryLong("SELECT count(*) FROM pg_locks WHERE mode = 'ShareLock' AND granted"))
        .isPositive();
    terminate(HOLDS_CLAIM);
    releaseGone(proxy);
    assertNothingChanged(run.get(60, TimeUnit.SECONDS));
  }

  @Test
  void theResetsConnectionTerminatedWhileItAppendsTheRowsWrittenSinceChangesNothing()
      throws Exception {
    // two proxies in a row, one hold each: the copy, then the append
    try (HoldingProxy outer = new HoldingProxy(proxy.port())) {
      proxy.holdWhen("TO STDOUT");
      outer.holdWhen(") TO STDOUT", "count(*) FILTER (WHERE age(xmin)");
      CompletableFuture<Cli.Result> run = reset(outer.port());
      assertThat(proxy.awaitHeld(30)).isTrue();
      // a row written during the copy: the final phase appends it
      db.exec(
          "INSERT INTO tags (project_id, name) SELECT min(id), 'during the copy' FROM projects");
      before = db.snapshot();
      proxy.release();
      assertThat(outer.awaitHeld(30)).isTrue();
      terminate(HOLDS_CLAIM);
      releaseGone(outer);
      assertNothingChanged(run.get(60, TimeUnit.SECONDS));
    }
  }
}

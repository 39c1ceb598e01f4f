package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.connect.TargetParser;
import io.proddatareset.pg.OneAtATime;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One reset or restore at a time per database: a second restore refuses at once, naming the first.
 */
class RestoreOneAtATimeTest {
  @TempDir Path dir;

  @Test
  void aRestoreRefusesAtOnceWhileAnotherSessionHoldsTheClaim() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("pm.sql");
    assertThat(RoundTrips.backup(db, file, "--all").exitCode()).isZero();
    RoundTrips.emptyEverything(db);
    Map<String, List<String>> empty = db.snapshot();
    try (Connection holder = db.connect()) {
      int pid;
      try (Statement st = holder.createStatement()) {
        st.execute("SET application_name = 'a-running-reset'");
        var rs = st.executeQuery("SELECT pg_backend_pid()");
        rs.next();
        pid = rs.getInt(1);
      }
      holder.setAutoCommit(false);
      OneAtATime.claim(holder, "reset");

      long started = System.nanoTime();
      Cli.Result r = RoundTrips.restore(db, file, "--lock-timeout", "30s");
      assertThat(System.nanoTime() - started).isLessThan(10_000_000_000L);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
      assertThat(r.err())
          .contains("Another reset or restore is running on this database")
          .contains("pid " + pid)
          .contains("application 'a-running-reset'")
          .contains("Nothing was changed");
      assertThat(db.snapshot()).isEqualTo(empty);

      // the dry run takes no claim, but says the restore would be refused now, and by whom
      Cli.Result dry = RoundTrips.restore(db, file, "--dry-run");
      assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(3);
      assertThat(dry.out())
          .contains("another reset or restore is running on this database (pid " + pid)
          .contains("It would load");
      holder.rollback();
    }
    Cli.Result after = RoundTrips.restore(db, file);
    assertThat(after.exitCode()).as(after.toString()).isZero();
  }

  @Test
  void twoConcurrentRestoresOneLoadsTheOtherRefusesNamingIt() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Map<String, List<String>> full = db.snapshot();
    Path file = dir.resolve("pm.sql");
    assertThat(RoundTrips.backup(db, file, "--all").exitCode()).isZero();
    RoundTrips.emptyEverything(db);
    Map<String, List<String>> empty = db.snapshot();

    // the first restore stops in the middle of its load until the second has been refused
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch secondDone = new CountDownLatch(1);
    BackupProgress pause =
        new BackupProgress() {
          @Override
          public void copied(TableName table, long rows, long bytes) {
            if (bytes > 0 && loading.getCount() > 0) {
              loading.countDown();
              try {
                secondDone.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }

          @Override
          public void phase(String description) {}
        };
    Restorer.Contents contents = Restorer.inspect(file);
    CompletableFuture<RestoreResult> first =
        CompletableFuture.supplyAsync(
            () -> {
              try (Connection c = new Connector(TargetParser.parse(db.url())).open()) {
                return Restorer.restore(
                    c, contents, new RestoreOptions(null, Duration.ofSeconds(5), pause));
              } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
              }
            });
    try {
      assertThat(loading.await(60, TimeUnit.SECONDS)).isTrue();
      Cli.Result second = RoundTrips.restore(db, file);
      assertThat(second.exitCode()).as(second.toString()).isEqualTo(3);
      assertThat(second.err())
          .contains("Another reset or restore is running on this database")
          .contains("application 'prod-data-reset'")
          .contains("run the restore again");
    } finally {
      secondDone.countDown();
    }
    RestoreResult result = first.get(120, TimeUnit.SECONDS);
    assertThat(result.tables()).isNotEmpty();
    // the first restore loaded everything once: the second changed nothing
    assertThat(db.snapshot()).isEqualTo(full).isNotEqualTo(empty);
  }
}

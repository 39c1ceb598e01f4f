package io.proddatareset.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.BackupManifest;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.testing.SubsetShapes;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The row reset's backup: exactly the deleted rows and the updated rows' pre-images, written from
 * the reset's transaction after the rows are locked and before they change; a backup that cannot be
 * written changes nothing.
 */
class RowResetBackupTest {
  @TempDir Path dir;

  static ResetOptions withBackup(Path file) {
    return new ResetOptions(
        file,
        null,
        Duration.ofSeconds(5),
        Duration.ofSeconds(60),
        false,
        TableFingerprint.Mode.HASH,
        1,
        6);
  }

  static RowReset reset(TestDatabase db, Path file) {
    return reset(db, file, BackupProgress.NONE);
  }

  /** The row reset with a backup to {@code file}, its progress reported to {@code progress}. */
  static RowReset reset(TestDatabase db, Path file, BackupProgress progress) {
    return new RowReset(
        RowResetTest.connector(db),
        withBackup(file),
        ResetService.Listener.NONE,
        progress,
        LockAttempts.Tuning.DEFAULT);
  }

  @Test
  void theBackupHoldsExactlyTheDeletedRowsAndTheUpdatedRowsAsTheyWere() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SubsetShapes.SHAPES);
    List<String> personBefore = db.snapshot().get("public.person");
    Path file = dir.resolve("subset.sql");

    RowResetResult result = reset(db, file).run(RowResetTest.subset(db, "country: id = 1"));

    BackupManifest m = result.backup().manifest();
    assertThat(m.formatVersion()).isEqualTo(BackupManifest.SUBSET_FORMAT_VERSION);
    assertThat(m.subset().conditions())
        .extracting(c -> c.table() + ": " + c.condition())
        .containsExactly("public.country: id = 1");
    assertThat(m.totalRows()).isEqualTo(result.rowsDeleted() + result.rowsUpdated());
    // person: 3 rows deleted, 2 updated, each as it was before the reset
    List<BackupManifest.TableEntry> person =
        m.tables().stream().filter(e -> e.name().equals("public.person")).toList();
    assertThat(person)
        .extracting(BackupManifest.TableEntry::action, BackupManifest.TableEntry::rows)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("delete", 3L),
            org.assertj.core.groups.Tuple.tuple("update", 2L));
    String text = Files.readString(file);
    for (String row : personBefore) {
      boolean gone = !db.snapshot().get("public.person").contains(row);
      assertThat(text.contains(row + "\n")).as(row).isEqualTo(gone);
    }
    // deleted rows parents first: the country block comes before the city block
    assertThat(text.indexOf("COPY public.country")).isLessThan(text.indexOf("COPY public.city"));
    assertThat(file.resolveSibling("subset.sql.manifest.json")).exists();
  }

  @Test
  void aLeafsBlockIsExactlyWhatItsDeleteRemovedAndARollbackAfterItPutsItBack() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    Path file = dir.resolve("subset.sql");
    TableName events = new TableName("public", "entity_events");
    AtomicLong copied = new AtomicLong(-1);
    // once the leaf entity_events is deleted and copied, its block is there: the reset's session
    // is then terminated, before its commit
    BackupProgress killer =
        new BackupProgress() {
          @Override
          public void copied(TableName table, long rows, long bytes) {
            if (table.equals(events) && rows > 0 && copied.compareAndSet(-1, rows)) {
              db.queryLong(
                  "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE"
                      + " application_name = 'prod-data-reset' AND datname = current_database()");
            }
          }

          @Override
          public void phase(String description) {}
        };
    long deleted =
        db.queryLong(
            "SELECT count(*) FROM entity_events WHERE entity_id IN (SELECT id FROM entities"
                + " WHERE project_id = 1)");

    assertThatThrownBy(
            () -> reset(db, file, killer).run(RowResetTest.subset(db, "projects: id = 1")))
        .isInstanceOfSatisfying(
            ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.FAILURE))
        .hasMessageContaining("terminating connection")
        .hasMessageContaining("The partial file was removed")
        .hasMessageContaining("nothing was changed");
    assertThat(copied.get()).isEqualTo(deleted).isPositive();
    assertThat(db.snapshot()).isEqualTo(before);
    try (var left = Files.list(dir)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aBackupThatDoesNotReadBackAsWrittenRollsBackTheDeletesMadeMeanwhile() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();
    Path file = dir.resolve("subset.sql");
    // the file is read back while the deletes run: a byte of it changes just before
    BackupProgress damage =
        new BackupProgress() {
          @Override
          public void copied(TableName table, long rows, long bytes) {}

          @Override
          public void phase(String description) {
            try (var partial = Files.list(dir)) {
              Path p = partial.filter(f -> !f.equals(file)).findFirst().orElseThrow();
              byte[] b = Files.readAllBytes(p);
              int at = new String(b, java.nio.charset.StandardCharsets.UTF_8).indexOf("\n1\t");
              b[at + 1] = '7';
              Files.write(p, b);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        };

    assertThatThrownBy(
            () -> reset(db, file, damage).run(RowResetTest.subset(db, "projects: id = 1")))
        .isInstanceOfSatisfying(
            ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.REFUSED))
        .hasMessageContaining("SHA-256 differs")
        .hasMessageContaining("nothing was changed");
    assertThat(db.snapshot()).isEqualTo(before);
    try (var left = Files.list(dir)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aRuleOnALeafThatRefusesItsDeleteChangesNothing() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    // an app's rule that keeps some rows of a leaf: the server refuses the delete as it copies
    db.exec(
        "CREATE RULE keep_created AS ON DELETE TO entity_events WHERE OLD.event_type = 'created'"
            + " DO INSTEAD NOTHING");
    Map<String, List<String>> before = db.snapshot();
    Path file = dir.resolve("subset.sql");

    assertThatThrownBy(() -> reset(db, file).run(RowResetTest.subset(db, "projects: id = 1")))
        .isInstanceOfSatisfying(
            ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.FAILURE))
        .hasMessageContaining("public.entity_events")
        .hasMessageContaining("cannot perform DELETE RETURNING");
    assertThat(db.snapshot()).isEqualTo(before);
    try (var left = Files.list(dir)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aBackupThatCannotBeWrittenChangesNothing() throws Exception {
    Assumptions.assumeTrue(new File("/dev/full").exists(), "this machine has no /dev/full");
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    Map<String, List<String>> before = db.snapshot();

    assertThatThrownBy(
            () -> reset(db, Path.of("/dev/full")).run(RowResetTest.subset(db, "projects: id = 1")))
        .isInstanceOfSatisfying(
            ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.FAILURE))
        .hasMessageContaining("No space left on device")
        .hasMessageContaining("nothing was changed");
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(Path.of("/dev/full.manifest.json")).doesNotExist();
  }
}

package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.plan.RowClosure;
import io.proddatareset.plan.RowSelection;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The subset backup's writer API, as a subset reset calls it, on a real PostgreSQL. */
class SubsetBackupTest {
  @TempDir Path dir;

  /** Writes the subset backup of {@code where} in one open transaction on {@code db}. */
  static BackupResult write(TestDatabase db, Path file, String... where) throws Exception {
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      try {
        Catalog catalog = CatalogReader.read(c, List.of("public"));
        KeyDetails keys = KeyDetails.read(c);
        RowSelection selection =
            RowSelection.resolve(catalog, keys, List.of(where), List.of(), null);
        RowClosure.Result closure = RowClosure.fill(c, catalog, keys, selection);
        List<SubsetEntry> entries = SubsetEntries.of(c, catalog, keys, selection, closure);
        try (SubsetBackup b =
            SubsetBackup.begin(
                c,
                file,
                BackupOptions.defaults().withTarget("postgresql://test@localhost/db"),
                entries,
                SubsetInfo.of(selection))) {
          for (SubsetEntry e : entries) {
            b.copy(c, e, closure.rowsCondition(e.table().name(), e.deletes()));
          }
          return b.finish(c);
        }
      } finally {
        c.rollback();
      }
    }
  }

  @Test
  void writesOneBlockPerEntryAndAVersion3ManifestThatReadsBack() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    // another project's entities point at project 1's epics (SET NULL): updated, not deleted
    db.exec(
        "UPDATE entities SET epic_id = (SELECT min(id) FROM epics WHERE project_id = 1)"
            + " WHERE id IN (SELECT id FROM entities WHERE project_id = 2 ORDER BY id LIMIT 5)");
    Path file = dir.resolve("subset.sql.gz");

    BackupResult result = write(db, file, "projects: id = 1");

    BackupManifest m = ManifestFile.read(ManifestFile.pathFor(file));
    assertThat(m.formatVersion()).isEqualTo(BackupManifest.SUBSET_FORMAT_VERSION);
    assertThat(m.subset().conditions())
        .containsExactly(new SubsetInfo.Condition("public.projects", "id = 1"));
    assertThat(m.target()).isEqualTo("postgresql://test@localhost/db");
    assertThat(m.tables().get(0).name()).isEqualTo("public.projects");
    assertThat(m.tables().get(0).action()).isEqualTo("delete");
    assertThat(m.tables().get(0).key()).containsExactly("id");
    assertThat(m.tables().get(0).rows()).isEqualTo(1);
    // entities: its deleted rows, and (later, after every delete entry) its updated rows
    List<BackupManifest.TableEntry> entities =
        m.tables().stream().filter(t -> t.table().equals("entities")).toList();
    assertThat(entities)
        .extracting(BackupManifest.TableEntry::action)
        .containsExactly("delete", "update");
    assertThat(entities.get(0).rows())
        .isEqualTo(db.queryLong("SELECT count(*) FROM entities WHERE project_id = 1"));
    assertThat(entities.get(1).rows()).isGreaterThanOrEqualTo(5);
    assertThat(entities.get(1).updatedColumns()).contains("epic_id");
    int lastDelete = -1;
    int firstUpdate = Integer.MAX_VALUE;
    for (int i = 0; i < m.tables().size(); i++) {
      if (m.tables().get(i).action().equals("delete")) {
        lastDelete = i;
      } else {
        firstUpdate = Math.min(firstUpdate, i);
      }
    }
    assertThat(lastDelete).isLessThan(firstUpdate);
    assertThat(m).isEqualTo(result.manifest());

    // the file holds one block per entry, and matches its manifest
    try (InputStream in = Files.newInputStream(file)) {
      BackupReader.Summary s = BackupReader.read(in, BackupReader.SCAN);
      assertThat(s.blocks()).hasSize(m.tables().size());
      assertThat(ManifestCheck.problems(s, m)).isEmpty();
    }
    assertThat(PartialFiles.ofThisProcess(file)).isEmpty();
  }

  @Test
  void aCopyThatFailsRemovesThePartialFileAndSaysSo() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("subset.sql");
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      Catalog catalog = CatalogReader.read(c, List.of("public"));
      KeyDetails keys = KeyDetails.read(c);
      RowSelection selection =
          RowSelection.resolve(catalog, keys, List.of("projects: id = 1"), List.of(), null);
      RowClosure.Result closure = RowClosure.fill(c, catalog, keys, selection);
      List<SubsetEntry> entries = SubsetEntries.of(c, catalog, keys, selection, closure);
      SubsetBackup b =
          SubsetBackup.begin(c, file, BackupOptions.defaults(), entries, SubsetInfo.of(selection));
      b.copy(c, entries.get(0), closure.rowsCondition(entries.get(0).table().name(), true));
      assertThat(PartialFiles.ofThisProcess(file)).hasSize(1);
      // the server fails the second block's query
      assertThatThrownBy(() -> b.copy(c, entries.get(1), "1 / 0 = 1"))
          .isInstanceOfSatisfying(
              ExitException.class,
              e -> {
                assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
                assertThat(e.getMessage())
                    .startsWith("Backup to " + file + " failed while copying the deleted rows of")
                    .contains("division by zero")
                    .endsWith("The partial file was removed.");
              });
      assertThat(PartialFiles.ofThisProcess(file)).isEmpty();
      assertThat(file).doesNotExist();
      assertThatThrownBy(() -> b.finish(c)).isInstanceOf(IllegalStateException.class);
      c.rollback();
    }
  }

  @Test
  void backupWhereRefusesABadConditionAndAnEmptySelectionWritingNothing() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("subset.sql");
    io.proddatareset.testing.Cli.Result bad =
        RoundTrips.backup(db, file, "--where", "projects: no_such_column = 1");
    assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(2);
    assertThat(bad.err()).contains("no_such_column").contains("nothing was changed");
    io.proddatareset.testing.Cli.Result none =
        RoundTrips.backup(db, file, "--where", "projects: id < 0");
    assertThat(none.exitCode()).as(none.toString()).isEqualTo(2);
    assertThat(none.err()).contains("matches no row");
    io.proddatareset.testing.Cli.Result withAll =
        RoundTrips.backup(db, file, "--where", "projects: id = 1", "--all");
    assertThat(withAll.exitCode()).isEqualTo(2);
    assertThat(file).doesNotExist();
    assertThat(PartialFiles.ofThisProcess(file)).isEmpty();
  }

  @Test
  void theWholeTableRestoreRefusesASubsetBackup() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    Path file = dir.resolve("subset.sql");
    write(db, file, "projects: id = 1");
    Restorer.Contents contents = Restorer.inspect(file);
    RestoreOptions options = RestoreOptions.defaults();
    try (Connection c = db.connect()) {
      // restore FILE runs the live-table restore for it; the load into empty tables refuses it
      assertThatThrownBy(
              () ->
                  io.proddatareset.pg.Transactions.rolledBack(
                      c,
                      tx -> {
                        try {
                          return new RestoreRun(
                                  new RestoreLoad.Job(
                                      new Restorer(c, contents, options), tx, contents, options))
                              .execute();
                        } catch (java.io.IOException e) {
                          throw new IllegalStateException(e);
                        }
                      }))
          .isInstanceOf(ExitException.class)
          .hasMessageContaining("is a subset backup")
          .hasMessageContaining("live tables")
          .extracting(e -> ((ExitException) e).status())
          .isEqualTo(ExitStatus.REFUSED);
    }
  }

  @Test
  void aReaderOfVersions1And2RefusesVersion3AndVersion3NeedsItsSubsetSection() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(1);
    Path file = dir.resolve("subset.sql");
    write(db, file, "projects: id = 1");
    Path manifest = ManifestFile.pathFor(file);
    String json = Files.readString(manifest);
    Files.writeString(manifest, json.replaceFirst("\"subset\" : \\{", "\"subsetX\" : {"));
    assertThatThrownBy(() -> ManifestFile.read(manifest))
        .hasMessageContaining("formatVersion is 3 (a subset backup) but it has no subset section");
    Files.writeString(
        manifest, json.replaceFirst("\"formatVersion\" : 3", "\"formatVersion\" : 4"));
    assertThatThrownBy(() -> ManifestFile.read(manifest))
        .isInstanceOf(ManifestFile.UnsupportedFormat.class)
        .hasMessageContaining("reads 1 to 3");
  }
}

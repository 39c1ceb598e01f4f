package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.connect.Connector;
import io.proddatareset.connect.TargetParser;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Backup, empty by hand, restore, compare: the round trip every fixture goes through. */
final class RoundTrips {
  private RoundTrips() {}

  static Path tricky(String name) {
    try {
      return Path.of(RoundTrips.class.getResource(name).toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static TestDatabase loadTricky(TestDatabase db) {
    db.load(tricky("tricky-schema.sql"), Map.of());
    db.load(tricky("tricky-data.sql"), Map.of());
    return db;
  }

  static Cli.Result backup(TestDatabase db, Path file, String... extra) {
    List<String> args =
        new ArrayList<>(List.of("backup", "--url", db.url(), "-o", file.toString()));
    args.addAll(List.of(extra));
    return new Cli().run(args.toArray(String[]::new));
  }

  /**
   * Backs up every table of {@code schemas} (the {@code --all} backup) through the service, as the
   * CLI does, with the writer's tuning values a test chose.
   */
  static BackupResult backup(
      TestDatabase db,
      BackupDestination destination,
      int jobs,
      BackupTuning tuning,
      String... schemas) {
    return new SnapshotBackup(
            new Connector(TargetParser.parse(db.url())),
            schemas.length == 0 ? List.of("public") : List.of(schemas),
            SnapshotBackup.allTables(),
            destination,
            new BackupOptions(jobs, null, null, BackupProgress.NONE),
            tuning)
        .run();
  }

  static Cli.Result restore(TestDatabase db, Path file, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of("restore", file.toString(), "--url", db.url(), "--confirm", db.name()));
    args.addAll(List.of(extra));
    return new Cli().run(args.toArray(String[]::new));
  }

  /** Empties every table and restarts every sequence, as a user would by hand. */
  static void emptyEverything(TestDatabase db) {
    List<String> tables =
        db.queryStrings(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition"
                + " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                + " AND n.nspname NOT LIKE 'pg_toast%'");
    db.exec("TRUNCATE " + String.join(", ", tables) + " RESTART IDENTITY");
    for (String seq :
        db.queryStrings("SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences")) {
      db.exec("ALTER SEQUENCE " + seq + " RESTART");
    }
  }

  /** Backs up every table of the schemas, empties the database, restores, compares. */
  static void roundTrip(TestDatabase db, Path file, String... backupArgs) {
    roundTrip(
        db,
        file,
        () -> {
          Cli.Result b = backup(db, file, backupArgs);
          assertThat(b.exitCode()).as(b.toString()).isZero();
          assertThat(b.out()).contains("Verified");
        });
  }

  /** The round trip with a backup through the service, with the tuning values a test chose. */
  static void roundTrip(TestDatabase db, Path file, int jobs, BackupTuning tuning) {
    roundTrip(
        db,
        file,
        () -> {
          BackupResult b = backup(db, BackupDestination.file(file), jobs, tuning);
          assertThat(b.file()).isEqualTo(file.toAbsolutePath().normalize());
          assertThat(b.manifestFile()).exists();
        });
  }

  private static void roundTrip(TestDatabase db, Path file, Runnable backUp) {
    Map<String, List<String>> before = db.snapshot();
    Map<String, String> sequencesBefore = db.sequences();
    backUp.run();
    emptyEverything(db);
    assertThat(db.snapshot()).isNotEqualTo(before);
    Cli.Result r = restore(db, file);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.snapshot()).isEqualTo(before);
    assertThat(db.sequences()).isEqualTo(sequencesBefore);
  }
}

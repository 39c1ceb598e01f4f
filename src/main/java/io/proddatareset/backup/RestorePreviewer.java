package io.proddatareset.backup;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.OneAtATime;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.SqlState;
import io.proddatareset.pg.Transactions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The dry run of a restore: what it would load, and every reason it would refuse. */
final class RestorePreviewer {
  private RestorePreviewer() {}

  /**
   * What {@link Restorer#restore} would do with {@code contents}, and every reason it would be
   * refused, found without changing anything: in a {@code REPEATABLE READ, READ ONLY} transaction
   * on {@code conn} (which must be in auto-commit mode; the transaction is rolled back), with no
   * lock beyond what reading a table takes (waiting at most the lock timeout) and no claim of
   * {@link OneAtATime} (another reset or restore holding it is only looked up, and is a refusal).
   * The whole file is read once, to check it against its manifest.
   *
   * @throws ExitException FAILURE when the target or the file cannot be read
   */
  static RestorePreview preview(
      Connection conn, Restorer.Contents contents, RestoreOptions options) {
    try {
      return Transactions.readOnlySnapshot(conn, c -> previewIn(c, contents, options));
    } catch (SQLException e) {
      String why =
          SqlState.isLockTimeout(e)
              ? "a table is held exclusively by another session (waited "
                  + options.lockTimeout().toMillis()
                  + "ms; --lock-timeout)"
              : ExitException.firstLine(e);
      throw ExitException.failure("The dry run could not read the target: " + why + ".", e);
    }
  }

  private static RestorePreview previewIn(
      Connection conn, Restorer.Contents contents, RestoreOptions options) throws SQLException {
    SessionSettings.pin(
        conn,
        "lock_timeout",
        SessionSettings.millis(options.lockTimeout()),
        "statement_timeout",
        "0",
        "row_security",
        "off");
    List<String> refusals = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    BackupOrigin origin = new BackupOrigin(contents.manifest(), DatabaseIdentity.of(conn));
    String difference = origin.difference("backup");
    if (difference != null) {
      if (options.allowOtherDatabase()) {
        warnings.add(difference + " (allowed by --allow-other-database)");
      } else {
        refusals.add(difference + ": pass --allow-other-database to load it into this database");
      }
    }
    // a look only: the restore itself claims the database, and refuses while another one does
    OneAtATime.refusalWhileHeld(conn).ifPresent(refusals::add);

    BackupReader.Summary summary = contents.scanned();
    boolean fileChecked;
    if (contents.manifest() != null) {
      fileChecked = false;
      try (InputStream in = Files.newInputStream(contents.file())) {
        summary = BackupReader.read(in, BackupReader.SCAN);
        List<String> problems = ManifestCheck.problems(summary, contents.manifest());
        if (problems.isEmpty()) {
          fileChecked = true;
        } else {
          refusals.add(
              "the backup does not match its manifest (" + String.join("; ", problems) + ")");
        }
      } catch (BackupFormatException e) {
        summary = null;
        refusals.add(
            "the file "
                + (e.damaged() ? "is damaged or cut off" : "does not hold what its manifest says")
                + ": "
                + e.getMessage());
      } catch (IOException e) {
        throw ExitException.failure(
            "Cannot read " + contents.file() + ": " + ExitException.firstLine(e) + ".", e);
      }
    } else {
      fileChecked = summary.complete();
      if (!summary.complete()) {
        refusals.add("the file lacks its final \"dump complete\" line: it is cut off");
      }
    }

    Map<TableName, Long> rowsInFile = new LinkedHashMap<>();
    List<SetvalStatement> setvals;
    if (summary != null) {
      summary.blocks().forEach(b -> rowsInFile.merge(b.statement().table(), b.rows(), Long::sum));
      setvals = summary.setvals();
    } else {
      contents
          .manifest()
          .tables()
          .forEach(t -> rowsInFile.merge(t.tableName(), t.rows(), Long::sum));
      setvals =
          contents.manifest().sequences().stream()
              .map(q -> new SetvalStatement(q.name(), q.value(), q.isCalled()))
              .toList();
    }

    List<TableName> inFile = contents.tables();
    List<TableName> selected =
        options.only() == null ? inFile : inFile.stream().filter(options.only()::contains).toList();
    List<TableName> missing = new ArrayList<>();
    Map<TableName, RestoreCatalog.Target> targets = RestoreCatalog.resolve(conn, selected, missing);
    List<TableName> withRows = RestoreCatalog.nonEmpty(conn, List.copyOf(targets.values()));
    List<RestorePreview.Table> tables = new ArrayList<>();
    for (TableName t : selected) {
      String state = missing.contains(t) ? "missing" : withRows.contains(t) ? "has rows" : "empty";
      tables.add(new RestorePreview.Table(t.display(), rowsInFile.getOrDefault(t, 0L), state));
    }
    if (!missing.isEmpty()) {
      refusals.add(
          "no such table in the target: "
              + RestoreMessages.names(missing)
              + " (restore loads data into existing tables: create the schema first, or leave"
              + " them out with --only)");
    }
    if (!withRows.isEmpty()) {
      refusals.add(
          "these tables already hold rows: "
              + RestoreMessages.names(withRows)
              + " (restore only loads into empty tables: empty them first, or leave them out with"
              + " --only)");
    }

    Set<Long> selectedSequences = null;
    if (options.only() != null) {
      List<Long> oids = targets.values().stream().map(RestoreCatalog.Target::oid).toList();
      selectedSequences =
          oids.isEmpty()
              ? Set.of()
              : RestoreCatalog.sequencesOf(conn, RestoreCatalog.withPartitions(conn, oids));
    }
    List<RestorePreview.Sequence> sequences = new ArrayList<>();
    for (SetvalStatement v : setvals) {
      if (selectedSequences != null) {
        Long oid = RestoreCatalog.sequenceOid(conn, v.sequence());
        if (oid == null || !selectedSequences.contains(oid)) {
          continue;
        }
      }
      sequences.add(new RestorePreview.Sequence(v.sequence(), v.value(), v.isCalled()));
    }
    List<String> skipped =
        inFile.stream().filter(t -> !selected.contains(t)).map(TableName::display).toList();
    return new RestorePreview(
        origin, tables, skipped, sequences, fileChecked, refusals, warnings, null);
  }
}

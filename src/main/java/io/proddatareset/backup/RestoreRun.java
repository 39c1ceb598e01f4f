package io.proddatareset.backup;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.ChangeStep;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.pg.SessionSettings;
import io.proddatareset.pg.SqlState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The work of one restore inside its transaction (which {@link Restorer} begins and ends): checks,
 * locks, drops the foreign keys among the tables and disables their user triggers, loads the file
 * as {@link BackupReader} hands it over, checks rows and checksums, analyzes, adds the keys back
 * and puts the triggers back as they were.
 */
final class RestoreRun extends RestoreLoad {
  private final Set<TableName> selected = new LinkedHashSet<>();
  private final Map<TableName, Long> loadedRows = new LinkedHashMap<>();
  private final List<String> sequencesSet = new ArrayList<>();
  private final List<RestoreResult.SequenceAhead> sequencesAhead = new ArrayList<>();
  private Set<Long> selectedSequences;

  RestoreRun(Job job) {
    super(job);
  }

  RestoreResult execute() throws SQLException, IOException {
    if (contents.manifest() != null && contents.manifest().holdsSubset()) {
      throw ExitException.refused(RestoreMessages.subsetBackup(contents.file()));
    }
    if (options.disableTriggers()) {
      throw ExitException.usage(
          "--disable-triggers is for a subset backup: this restore disables the tables' user"
              + " triggers for the load anyway. Nothing was changed.");
    }
    if (contents.scanned() != null && !contents.scanned().complete()) {
      // read whole before anything was locked: a cut-off file need not be loaded to be refused
      throw ExitException.refused(
          "The backup does not match what it should hold (the file lacks its final \"dump"
              + " complete\" line: it is cut off). Nothing was changed.");
    }
    List<TableName> inFile = contents.tables();
    if (options.only() != null) {
      List<TableName> unknown =
          options.only().stream().filter(t -> !inFile.contains(t)).sorted().toList();
      if (!unknown.isEmpty()) {
        throw ExitException.usage(
            "Not in the backup: "
                + RestoreMessages.names(unknown)
                + ". It holds: "
                + RestoreMessages.names(inFile)
                + ".");
      }
      inFile.stream().filter(options.only()::contains).forEach(selected::add);
    } else {
      selected.addAll(inFile);
    }
    SessionSettings.pinLongTransaction(
        conn,
        options.lockTimeout(),
        "row_security",
        "off",
        // xml values are written as content, which a database reading documents refuses
        "xmloption",
        "content",
        // validating the foreign keys joins whole tables: let it hash them in memory
        "work_mem",
        "64MB");
    if (contents.manifest() != null) {
      new BackupOrigin(contents.manifest(), DatabaseIdentity.of(conn))
          .requireSameForRestore(options.allowOtherDatabase());
    }
    List<TableName> missing = new ArrayList<>();
    Map<TableName, RestoreCatalog.Target> targets =
        RestoreCatalog.resolve(conn, new ArrayList<>(selected), missing);
    if (!missing.isEmpty()) {
      throw ExitException.refused(RestoreMessages.missingTables(missing));
    }
    lock(targets.keySet());
    List<TableName> withRows = RestoreCatalog.nonEmpty(conn, List.copyOf(targets.values()));
    if (!withRows.isEmpty()) {
      throw ExitException.refused(
          "Refusing to restore: these tables already hold rows: "
              + RestoreMessages.names(withRows)
              + ". restore only loads into empty tables; empty them first, or leave them out"
              + " with --only.");
    }
    List<Long> oids = targets.values().stream().map(RestoreCatalog.Target::oid).toList();
    List<Long> relations = RestoreCatalog.withPartitions(conn, oids);
    if (options.only() != null) {
      selectedSequences = RestoreCatalog.sequencesOf(conn, relations);
    }

    List<RestoreCatalog.TriggerState> triggersBefore = RestoreCatalog.triggers(conn, relations);
    Set<TableName> withEnabledTriggers =
        triggersBefore.stream()
            .filter(t -> !t.enabled().equals("D"))
            .map(RestoreCatalog.TriggerState::table)
            .collect(Collectors.toCollection(LinkedHashSet::new));
    List<RestoreCatalog.ForeignKeyDef> keys = RestoreCatalog.foreignKeys(conn, relations);
    List<String> comments = RestoreCatalog.foreignKeyComments(conn, keys);
    String analyze = analyzeStatement(targets, RestoreCatalog.keyColumns(conn, keys, oids));
    try (Statement st = conn.createStatement()) {
      for (TableName t : withEnabledTriggers) {
        st.execute("ALTER TABLE " + t.sql() + " DISABLE TRIGGER USER");
      }
      for (RestoreCatalog.ForeignKeyDef k : keys) {
        st.execute(k.dropSql());
      }
    }

    enter(ChangeStep.LOADING);
    options.progress().phase("loading");
    BackupReader.Summary summary;
    try {
      summary = readFile();
    } catch (SQLException e) {
      // a damaged file often fails in the server first (a duplicate key, a bad value): say
      // that the file is damaged rather than what the damage caused
      damageInsteadOf(e);
      throw e;
    }
    check(summary);

    enter(ChangeStep.VALIDATING);
    options.progress().phase("analyzing and validating foreign keys");
    try (Statement st = conn.createStatement()) {
      // statistics first, so that validating the foreign keys below gets good plans
      if (analyze != null) {
        st.execute(analyze);
      }
      for (RestoreCatalog.ForeignKeyDef k : keys) {
        try {
          st.execute(k.addSql());
        } catch (SQLException e) {
          throw new SQLException(
              "adding back foreign key "
                  + Identifiers.display(k.name())
                  + " on "
                  + k.table().display()
                  + " failed: "
                  + ExitException.firstLine(e),
              e.getSQLState(),
              e);
        }
      }
      for (String comment : comments) {
        st.execute(comment);
      }
    }
    restoreTriggers(conn, triggersBefore, relations);

    List<RestoreResult.TableRows> rows = new ArrayList<>();
    loadedRows.forEach((t, n) -> rows.add(new RestoreResult.TableRows(t.display(), n)));
    List<String> skipped =
        inFile.stream().filter(t -> !selected.contains(t)).map(TableName::display).toList();
    return new RestoreResult(
        rows,
        skipped,
        sequencesSet,
        sequencesAhead,
        contents.manifest() != null,
        keys.size(),
        (int) triggersBefore.stream().filter(t -> !t.enabled().equals("D")).count(),
        millis(),
        null);
  }

  /**
   * ANALYZE of the columns the foreign keys join on, in the targets that have such columns; null
   * when there are none. Validating a key joins its two tables on those columns, and the planner
   * needs their statistics for a good plan: fresh tables have none. The other columns are left out,
   * which takes a third of the time on the benchmark's data (docs/BENCHMARKS.md); an ANALYZE with a
   * column list leaves the table's change counter as it is, so autovacuum still analyzes the whole
   * table later, as it would after psql -f.
   */
  private static String analyzeStatement(
      Map<TableName, RestoreCatalog.Target> targets, Map<Long, List<String>> keyColumns) {
    List<String> parts = new ArrayList<>();
    targets.forEach(
        (name, target) -> {
          List<String> columns = keyColumns.get(target.oid());
          if (columns != null && !columns.isEmpty()) {
            parts.add(
                name.sql()
                    + " ("
                    + columns.stream().map(Identifiers::quote).collect(Collectors.joining(", "))
                    + ")");
          }
        });
    return parts.isEmpty() ? null : "ANALYZE " + String.join(", ", parts);
  }

  /**
   * {@code ACCESS EXCLUSIVE} on the restored tables in short attempts ({@link LockAttempts}), so
   * that the app's sessions that queue behind the waiting request wait one attempt at most, not the
   * whole lock timeout; giving up names the sessions holding them.
   */
  private void lock(Set<TableName> tables) throws SQLException {
    lockInAttempts(
        LockAttempts.Mode.ACCESS_EXCLUSIVE,
        tables,
        "the " + Counts.of(tables.size(), "restored table"),
        "Nothing was changed; try again when they are idle, or give them longer with"
            + " --lock-timeout.");
  }

  /** Throws the manifest mismatch, if the file has one, in place of a load failure. */
  private void damageInsteadOf(SQLException loadFailure) {
    if (contents.manifest() == null) {
      return;
    }
    List<String> problems;
    try (InputStream in = Files.newInputStream(contents.file())) {
      problems =
          ManifestCheck.problems(BackupReader.read(in, BackupReader.SCAN), contents.manifest());
    } catch (BackupFormatException e) {
      problems = List.of(e.getMessage());
    } catch (IOException | SQLException e) {
      return;
    }
    if (!problems.isEmpty()) {
      throw new ExitException(
          ExitStatus.REFUSED,
          "The backup does not match its manifest ("
              + String.join("; ", problems)
              + "), and loading it failed: "
              + ExitException.firstLine(loadFailure)
              + ". Nothing was restored (rolled back).",
          loadFailure);
    }
  }

  private void check(BackupReader.Summary summary) {
    List<String> problems = new ArrayList<>();
    if (contents.manifest() != null) {
      problems.addAll(ManifestCheck.problems(summary, contents.manifest()));
    } else if (!summary.complete()) {
      problems.add("the file lacks its final \"dump complete\" line: it is cut off");
    }
    Map<TableName, Long> inFile = new HashMap<>();
    for (BackupReader.Block b : summary.blocks()) {
      inFile.merge(b.statement().table(), b.rows(), Long::sum);
    }
    loadedRows.forEach(
        (t, n) -> {
          if (!n.equals(inFile.get(t))) {
            problems.add(
                t.display()
                    + ": the server loaded "
                    + Counts.of(n, "row")
                    + ", the file holds "
                    + (inFile.get(t) == null ? "none of it" : Counts.number(inFile.get(t))));
          }
        });
    if (!problems.isEmpty()) {
      throw new ExitException(
          ExitStatus.REFUSED,
          "The backup does not match "
              + (contents.manifest() != null ? "its manifest" : "what it should hold")
              + " ("
              + String.join("; ", problems)
              + "). Nothing was restored (rolled back).");
    }
  }

  @Override
  public void copy(CopyStatement statement, InputStream data) throws IOException, SQLException {
    if (!selected.contains(statement.table())) {
      return;
    }
    long rows = copyIn(statement.sql(), statement.table(), data);
    loadedRows.merge(statement.table(), rows, Long::sum);
  }

  /**
   * Sets a sequence as the file says, unless that would move it back: when the sequence has handed
   * out a value at or beyond the file's next one (the app went on inserting after the reset, or a
   * kept table draws from it), setting it back would hand out the same ids again, so it is left
   * where it is and the result says so. A sequence that has handed out nothing since it was created
   * or restarted is always set. Returns whether it was set, and its last value.
   */
  private static final String SETVAL_FORWARD =
      "SELECT CASE WHEN x.last IS NULL OR (x.inc > 0 AND x.next > x.last)"
          + " OR (x.inc < 0 AND x.next < x.last)"
          + " THEN pg_catalog.setval(a.seq, a.v, a.called) IS NOT NULL ELSE false END, x.last"
          + " FROM (SELECT ?::regclass AS seq, ?::bigint AS v, ?::boolean AS called) a,"
          + " LATERAL (SELECT pg_catalog.pg_sequence_last_value(a.seq) AS last,"
          + "   s.seqincrement AS inc,"
          + "   CASE WHEN a.called THEN a.v::numeric + s.seqincrement ELSE a.v END AS next"
          + "   FROM pg_catalog.pg_sequence s WHERE s.seqrelid = a.seq) x";

  @Override
  public void setval(SetvalStatement statement) throws SQLException {
    if (selectedSequences != null) {
      Long oid = RestoreCatalog.sequenceOid(conn, statement.sequence());
      if (oid == null || !selectedSequences.contains(oid)) {
        return;
      }
    }
    try (PreparedStatement ps = conn.prepareStatement(SETVAL_FORWARD)) {
      ps.setString(1, statement.sequence());
      ps.setLong(2, statement.value());
      ps.setBoolean(3, statement.isCalled());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("not a sequence", SqlState.WRONG_OBJECT_TYPE);
        }
        if (!rs.getBoolean(1)) {
          sequencesAhead.add(
              new RestoreResult.SequenceAhead(
                  statement.sequence(), rs.getLong(2), statement.value()));
          return;
        }
      }
    } catch (SQLException e) {
      throw new SQLException(
          "setting sequence " + statement.sequence() + ": " + ExitException.firstLine(e),
          e.getSQLState(),
          e);
    }
    sequencesSet.add(statement.sequence());
  }

  /**
   * Puts every user trigger back in the state it had, and checks that it is. Enabling a partitioned
   * table's trigger also enables its partitions' clones, so a second pass sets any trigger that
   * still differs on its own table.
   */
  static void restoreTriggers(
      Connection conn, List<RestoreCatalog.TriggerState> before, List<Long> relations)
      throws SQLException {
    List<RestoreCatalog.TriggerState> wrong = before;
    for (int pass = 0; pass < 2 && !wrong.isEmpty(); pass++) {
      try (Statement st = conn.createStatement()) {
        for (RestoreCatalog.TriggerState t : wrong) {
          String action =
              switch (t.enabled()) {
                case "O" -> "ENABLE TRIGGER ";
                case "A" -> "ENABLE ALWAYS TRIGGER ";
                case "R" -> "ENABLE REPLICA TRIGGER ";
                default -> "DISABLE TRIGGER ";
              };
          st.execute("ALTER TABLE " + t.table().sql() + " " + action + Identifiers.quote(t.name()));
        }
      }
      List<RestoreCatalog.TriggerState> now = RestoreCatalog.triggers(conn, relations);
      wrong = before.stream().filter(t -> !now.contains(t)).toList();
    }
    if (!wrong.isEmpty()) {
      throw new ExitException(
          ExitStatus.FAILURE,
          "Could not put trigger "
              + Identifiers.display(wrong.get(0).name())
              + " on "
              + wrong.get(0).table().display()
              + " back as it was. Nothing was changed (rolled back).");
    }
  }
}

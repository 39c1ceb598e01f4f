package io.proddatareset.backup;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Abandon;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.OneAtATime;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Loads a data-only backup (this tool's, or a plain {@code pg_dump --data-only} file) into
 * existing, empty tables in one transaction: all of it or nothing.
 *
 * <p>Inside that transaction it locks the tables, refuses if any holds a row, drops the foreign
 * keys among them (keys to tables it does not restore stay, so that those are not locked) and
 * disables their user triggers, loads every COPY block and setval, checks rows and checksums
 * against the manifest when there is one, analyzes the tables, adds the foreign keys back (which
 * validates every row, cycles included, with no superuser rights), enables the triggers as they
 * were, and commits. The table owner can do all of it.
 *
 * <p>One restore is one instance: {@link #run} runs it, and {@link #interrupt} stops it from
 * another thread (Ctrl-C) before its commit, or lets a commit that was sent finish.
 */
public final class Restorer {
  private static final int COPY_BUFFER = 1 << 16;

  /**
   * The step a restore is in; {@link #interrupt} and the messages of an interrupted run name it.
   */
  public enum Step {
    LOCKING("locking the tables"),
    LOADING("loading"),
    VALIDATING("validating the foreign keys"),
    COMMITTING("committing"),
    COMMITTED("after the commit");

    private final String description;

    Step(String description) {
      this.description = description;
    }

    /** e.g. {@code loading}, as in "Interrupted while loading". */
    public String description() {
      return description;
    }

    /** True once COMMIT was sent: from then on the restore may have been applied. */
    public boolean commitSent() {
      return this == COMMITTING || this == COMMITTED;
    }
  }

  private final Connection conn;
  private final Contents contents;
  private final RestoreOptions options;

  private final Object stateLock = new Object();
  // guarded by stateLock
  private Step step = Step.LOCKING;
  private Step interruptedAt;

  /**
   * A restore of {@code contents} over {@code conn}, which must be in auto-commit mode (no
   * transaction of the caller's open) when {@link #run} is called.
   */
  public Restorer(Connection conn, Contents contents, RestoreOptions options) {
    this.conn = conn;
    this.contents = contents;
    this.options = options;
  }

  /**
   * What a backup file holds, read before anything is changed.
   *
   * @param manifest the manifest beside the file, or null
   * @param fileSha256 the file's SHA-256: as the manifest records it, or as read
   * @param scanned what reading the whole file found, for a file without a manifest (which is read
   *     to learn what it holds); null when the manifest said it
   */
  public record Contents(
      Path file,
      BackupManifest manifest,
      List<CopyStatement> blocks,
      List<String> sequences,
      String fileSha256,
      BackupReader.Summary scanned) {
    public List<TableName> tables() {
      return blocks.stream().map(CopyStatement::table).distinct().toList();
    }
  }

  /**
   * Reads what {@code file} holds: from its manifest when there is one, otherwise by reading the
   * whole file once (which also checks that it is a data-only backup this tool can load).
   */
  public static Contents inspect(Path file) {
    if (Files.isDirectory(file)) {
      throw ExitException.usage(file + " is a directory: give the backup file to restore.");
    }
    if (!Files.exists(file)) {
      throw ExitException.usage("Cannot read " + file + ": no such file.");
    }
    if (!Files.isRegularFile(file)) {
      throw ExitException.usage(
          "Cannot restore "
              + file
              + ": not a regular file (restore reads the file twice: save the backup to a file"
              + " first).");
    }
    if (!Files.isReadable(file)) {
      throw ExitException.usage("Cannot read " + file + ": permission denied.");
    }
    Path manifestPath = ManifestFile.pathFor(file);
    if (Files.isRegularFile(manifestPath)) {
      BackupManifest m;
      try {
        m = ManifestFile.read(manifestPath);
      } catch (ManifestFile.UnsupportedFormat e) {
        throw new ExitException(
            ExitStatus.USAGE,
            "Cannot use the manifest "
                + manifestPath
                + ": "
                + e.getMessage()
                + ". Nothing was changed.",
            e);
      } catch (IOException e) {
        throw new ExitException(
            ExitStatus.USAGE,
            "Cannot read the manifest "
                + manifestPath
                + ": "
                + ExitException.firstLine(e)
                + ". Nothing was changed; move it away to restore without checks.",
            e);
      }
      List<CopyStatement> blocks =
          m.tables().stream()
              .map(t -> new CopyStatement(new TableName(t.schema(), t.table()), t.columns()))
              .toList();
      return new Contents(
          file,
          m,
          blocks,
          m.sequences().stream().map(BackupManifest.SequenceEntry::name).toList(),
          m.fileSha256(),
          null);
    }
    try (InputStream in = Files.newInputStream(file)) {
      BackupReader.Summary s = BackupReader.read(in, BackupReader.SCAN);
      return new Contents(
          file,
          null,
          s.blocks().stream().map(BackupReader.Block::statement).toList(),
          s.setvals().stream().map(SetvalStatement::sequence).toList(),
          s.fileSha256(),
          s);
    } catch (BackupFormatException e) {
      throw unreadable(file, e, false, ". Nothing was changed.");
    } catch (IOException e) {
      throw new ExitException(
          ExitStatus.FAILURE, "Cannot read " + file + ": " + ExitException.firstLine(e) + ".", e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Why a file cannot be restored: REFUSED when it is damaged or cut off, or (with a manifest) does
   * not hold what its manifest says; USAGE when it holds what this tool does not restore.
   */
  private static ExitException unreadable(
      Path file, BackupFormatException e, boolean withManifest, String after) {
    boolean refused = e.damaged() || withManifest;
    return new ExitException(
        refused ? ExitStatus.REFUSED : ExitStatus.USAGE,
        "Cannot restore "
            + file
            + ": "
            + e.getMessage()
            + (e.damaged() ? " (the file is damaged or cut off)" : "")
            + after,
        e);
  }

  /**
   * Restores {@code contents} over {@code conn}: {@code new Restorer(conn, contents,
   * options).run()}.
   */
  public static RestoreResult restore(Connection conn, Contents contents, RestoreOptions options) {
    return new Restorer(conn, contents, options).run();
  }

  /**
   * Runs the restore over the connection, which must be in auto-commit mode: this method runs and
   * commits its own transaction, or rolls it back and throws an {@link ExitException} with nothing
   * changed. The first statement of the transaction claims {@link OneAtATime}: while another reset
   * or restore runs on the database, it refuses at once.
   *
   * @throws ExitException REFUSED when the backup's manifest records another database (unless
   *     {@link RestoreOptions#allowOtherDatabase}), a table is missing or has rows, the file is
   *     damaged or does not match its manifest, or another reset or restore runs; FAILURE when
   *     anything else fails before the commit (nothing was changed), and {@link OutcomeUnknown}
   *     when the commit does not answer (the caller says how to check); INTERRUPTED after {@link
   *     #interrupt} stopped it (rolled back; the message says so)
   */
  public RestoreResult run() {
    try {
      return runTransaction();
    } catch (RuntimeException e) {
      ExitException instead = interruptedInstead(e);
      throw instead != null ? instead : e;
    }
  }

  /**
   * Stops the restore from another thread (Ctrl-C): before the commit, cancels the running
   * statement and closes the connection, so that the server rolls back and {@link #run} throws
   * INTERRUPTED; once COMMIT is sent, does nothing, so that the commit finishes and {@link #run}
   * reports its outcome.
   */
  public void interrupt() {
    synchronized (stateLock) {
      if (step.commitSent() || interruptedAt != null) {
        return;
      }
      interruptedAt = step;
    }
    Abandon.cancelAndClose(conn);
  }

  /** The step the restore is in now (or ended in). */
  public Step step() {
    synchronized (stateLock) {
      return step;
    }
  }

  /** Moves to {@code next}, unless an interrupt came (then it throws; run() says what it left). */
  private void enter(Step next) {
    synchronized (stateLock) {
      if (interruptedAt != null) {
        throw new ExitException(ExitStatus.INTERRUPTED, "interrupted");
      }
      step = next;
    }
  }

  /** After an interrupt, whatever failed gives way to one line saying what state it left. */
  private ExitException interruptedInstead(RuntimeException e) {
    Step at;
    synchronized (stateLock) {
      at = interruptedAt;
    }
    if (at == null) {
      return null;
    }
    return new ExitException(
        ExitStatus.INTERRUPTED,
        "Interrupted while " + at.description() + ": rolled back, nothing was changed.",
        e);
  }

  private RestoreResult runTransaction() {
    try {
      if (!conn.getAutoCommit()) {
        throw new IllegalArgumentException(
            "restore runs its own transaction: pass a connection" + " in auto-commit mode");
      }
    } catch (SQLException e) {
      throw ExitException.failure("Cannot use the connection: " + ExitException.firstLine(e), e);
    }
    long started = System.nanoTime();
    try {
      enter(Step.LOCKING);
      conn.setAutoCommit(false);
      // first, so that nothing is locked or read while another reset or restore runs
      OneAtATime.claim(conn, "restore");
      RestoreResult result = new Run(this, started).execute();
      enter(Step.COMMITTING);
      commit();
      synchronized (stateLock) {
        step = Step.COMMITTED;
      }
      return result;
    } catch (SQLException e) {
      rollback(conn);
      throw new ExitException(
          ExitStatus.FAILURE,
          "Restore failed: " + ExitException.firstLine(e) + ". Nothing was changed (rolled back).",
          e);
    } catch (IOException e) {
      rollback(conn);
      throw new ExitException(
          ExitStatus.FAILURE,
          "Restore failed reading "
              + contents.file()
              + ": "
              + ExitException.firstLine(e)
              + ". Nothing was changed (rolled back).",
          e);
    } catch (RuntimeException e) {
      if (!step().commitSent()) {
        rollback(conn);
      }
      throw e;
    } finally {
      try {
        conn.setAutoCommit(true);
      } catch (SQLException ignored) {
        // the connection is gone; nothing more to undo
      }
    }
  }

  /**
   * Commits. An error the server answers with means it rolled back; a connection lost on the way
   * leaves the outcome unknown: {@link OutcomeUnknown}.
   */
  private void commit() {
    try {
      conn.commit();
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (state != null && !state.startsWith("08")) {
        throw new ExitException(
            ExitStatus.FAILURE,
            "Restore failed: the commit was refused ("
                + ExitException.firstLine(e)
                + "). Nothing was changed (rolled back).",
            e);
      }
      throw new OutcomeUnknown(
          "The commit failed ("
              + ExitException.firstLine(e)
              + "): the restore may or may not have been applied.",
          e);
    }
  }

  /**
   * COMMIT was sent but no answer came (the connection was lost): the restore may or may not have
   * been applied. FAILURE (1); the caller says how to check.
   */
  public static final class OutcomeUnknown extends ExitException {
    OutcomeUnknown(String message, Throwable cause) {
      super(ExitStatus.FAILURE, message, cause);
    }
  }

  /**
   * What {@link #restore} would do with {@code contents}, and every reason it would be refused,
   * found without changing anything: in a {@code REPEATABLE READ, READ ONLY} transaction on {@code
   * conn} (which must be in auto-commit mode; the transaction is rolled back), with no lock beyond
   * what reading a table takes (waiting at most the lock timeout) and no claim of {@link
   * OneAtATime} (another reset or restore holding it is only looked up, and is a refusal). The
   * whole file is read once, to check it against its manifest.
   *
   * @throws ExitException FAILURE when the target or the file cannot be read
   */
  public static RestorePreview preview(Connection conn, Contents contents, RestoreOptions options) {
    try {
      if (!conn.getAutoCommit()) {
        throw new IllegalArgumentException(
            "preview runs its own transaction: pass a connection in auto-commit mode");
      }
      conn.setAutoCommit(false);
      conn.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      conn.setReadOnly(true);
      try {
        return previewIn(conn, contents, options);
      } finally {
        rollback(conn);
        conn.setReadOnly(false);
        conn.setAutoCommit(true);
      }
    } catch (SQLException e) {
      String why =
          "55P03".equals(e.getSQLState())
              ? "a table is held exclusively by another session (waited "
                  + options.lockTimeout().toMillis()
                  + "ms; --lock-timeout)"
              : ExitException.firstLine(e);
      throw ExitException.failure("The dry run could not read the target: " + why + ".", e);
    }
  }

  private static RestorePreview previewIn(
      Connection conn, Contents contents, RestoreOptions options) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT set_config('lock_timeout', ?, true), set_config('statement_timeout', '0',"
                + " true), set_config('row_security', 'off', true)")) {
      ps.setString(1, options.lockTimeout().toMillis() + "ms");
      ps.execute();
    }
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
    OneAtATime.heldBy(conn)
        .ifPresent(
            holder ->
                refusals.add(
                    "another reset or restore is running on this database ("
                        + holder
                        + "): wait until it has finished"));

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
          .forEach(
              t -> rowsInFile.merge(new TableName(t.schema(), t.table()), t.rows(), Long::sum));
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
              + names(missing)
              + " (restore loads data into existing tables: create the schema first, or leave"
              + " them out with --only)");
    }
    if (!withRows.isEmpty()) {
      refusals.add(
          "these tables already hold rows: "
              + names(withRows)
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
    return new RestorePreview(origin, tables, skipped, sequences, fileChecked, refusals, warnings);
  }

  private static void rollback(Connection conn) {
    try {
      conn.rollback();
    } catch (SQLException ignored) {
      // a lost connection rolls back on the server
    }
  }

  private static final class Run implements BackupReader.Handler {
    private final Restorer restorer;
    private final Connection conn;
    private final Contents contents;
    private final RestoreOptions options;
    private final long started;
    private final Set<TableName> selected = new LinkedHashSet<>();
    private final Map<TableName, Long> loadedRows = new LinkedHashMap<>();
    private final List<String> sequencesSet = new ArrayList<>();
    private final List<RestoreResult.SequenceAhead> sequencesAhead = new ArrayList<>();
    private Set<Long> selectedSequences;
    private final byte[] buffer = new byte[COPY_BUFFER];
    private CopyManager copyApi;

    Run(Restorer restorer, long started) {
      this.restorer = restorer;
      this.conn = restorer.conn;
      this.contents = restorer.contents;
      this.options = restorer.options;
      this.started = started;
    }

    RestoreResult execute() throws SQLException, IOException {
      if (contents.scanned() != null && !contents.scanned().complete()) {
        // read whole before anything was locked: a cut-off file need not be loaded to be refused
        throw ExitException.refused(
            "The backup does not match what it should hold (the file lacks its final \"dump"
                + " complete\" line: it is cut off). Nothing was changed.");
      }
      copyApi = conn.unwrap(PGConnection.class).getCopyAPI();
      List<TableName> inFile = contents.tables();
      if (options.only() != null) {
        List<TableName> unknown =
            options.only().stream().filter(t -> !inFile.contains(t)).sorted().toList();
        if (!unknown.isEmpty()) {
          throw ExitException.usage(
              "Not in the backup: " + names(unknown) + ". It holds: " + names(inFile) + ".");
        }
        inFile.stream().filter(options.only()::contains).forEach(selected::add);
      } else {
        selected.addAll(inFile);
      }
      try (Statement st = conn.createStatement()) {
        st.execute(
            "SELECT set_config('lock_timeout', '"
                + options.lockTimeout().toMillis()
                + "ms', true), set_config('row_security', 'off', true),"
                + " set_config('statement_timeout', '0', true),"
                + " set_config('idle_in_transaction_session_timeout', '0', true),"
                // xml values are written as content, which a database reading documents refuses
                + " set_config('xmloption', 'content', true),"
                // validating the foreign keys joins whole tables: let it hash them in memory
                + " set_config('work_mem', '64MB', true)");
      }
      if (contents.manifest() != null) {
        new BackupOrigin(contents.manifest(), DatabaseIdentity.of(conn))
            .requireSameForRestore(options.allowOtherDatabase());
      }
      List<TableName> missing = new ArrayList<>();
      Map<TableName, RestoreCatalog.Target> targets =
          RestoreCatalog.resolve(conn, new ArrayList<>(selected), missing);
      if (!missing.isEmpty()) {
        throw ExitException.refused(missingTables(missing));
      }
      lock(targets.keySet());
      List<TableName> withRows = RestoreCatalog.nonEmpty(conn, List.copyOf(targets.values()));
      if (!withRows.isEmpty()) {
        throw ExitException.refused(
            "Refusing to restore: these tables already hold rows: "
                + names(withRows)
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

      restorer.enter(Step.LOADING);
      options.progress().phase("loading");
      BackupReader.Summary summary;
      try (InputStream in = Files.newInputStream(contents.file())) {
        summary = BackupReader.read(in, this);
      } catch (SQLException e) {
        // a damaged file often fails in the server first (a duplicate key, a bad value): say
        // that the file is damaged rather than what the damage caused
        damageInsteadOf(e);
        throw e;
      } catch (NoSuchFileException e) {
        throw ExitException.usage(
            contents.file() + " disappeared while it was restored. Nothing was changed.");
      } catch (BackupFormatException e) {
        throw unreadable(
            contents.file(),
            e,
            contents.manifest() != null,
            ". Nothing was changed (rolled back).");
      }
      check(summary);

      restorer.enter(Step.VALIDATING);
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
      restoreTriggers(triggersBefore, relations);

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
          (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * ANALYZE of the columns the foreign keys join on, in the targets that have such columns; null
     * when there are none. Validating a key joins its two tables on those columns, and the planner
     * needs their statistics for a good plan: fresh tables have none. The other columns are left
     * out, which takes a third of the time on the benchmark's data (docs/BENCHMARKS.md); an ANALYZE
     * with a column list leaves the table's change counter as it is, so autovacuum still analyzes
     * the whole table later, as it would after psql -f.
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

    private void lock(Set<TableName> tables) throws SQLException {
      try (Statement st = conn.createStatement()) {
        st.execute(
            "LOCK TABLE "
                + tables.stream().map(TableName::sql).collect(Collectors.joining(", "))
                + " IN ACCESS EXCLUSIVE MODE");
      } catch (SQLException e) {
        if ("55P03".equals(e.getSQLState())) {
          throw new ExitException(
              ExitStatus.FAILURE,
              "Could not lock the tables within "
                  + describe(options.lockTimeout())
                  + ": other sessions are using them. Nothing was changed; try again when they"
                  + " are idle, or give them longer with --lock-timeout.",
              e);
        }
        throw e;
      }
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
      CopyIn in = copyApi.copyIn(statement.sql());
      long rows;
      try {
        int n;
        while ((n = data.read(buffer)) > 0) {
          in.writeToCopy(buffer, 0, n);
          options.progress().copied(statement.table(), 0, n);
        }
        rows = in.endCopy();
      } catch (IOException | RuntimeException e) {
        if (in.isActive()) {
          in.cancelCopy();
        }
        throw e;
      } catch (SQLException e) {
        if (in.isActive()) {
          try {
            in.cancelCopy();
          } catch (SQLException ignored) {
            // the server already ended it
          }
        }
        throw new SQLException(
            "loading " + statement.table().display() + ": " + ExitException.firstLine(e),
            e.getSQLState(),
            e);
      }
      options.progress().copied(statement.table(), rows, 0);
      loadedRows.merge(statement.table(), rows, Long::sum);
    }

    /**
     * Sets a sequence as the file says, unless that would move it back: when the sequence has
     * handed out a value at or beyond the file's next one (the app went on inserting after the
     * reset, or a kept table draws from it), setting it back would hand out the same ids again, so
     * it is left where it is and the result says so. A sequence that has handed out nothing since
     * it was created or restarted is always set. Returns whether it was set, and its last value.
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
            throw new SQLException("not a sequence", "42809");
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
     * Puts every user trigger back in the state it had, and checks that it is. Enabling a
     * partitioned table's trigger also enables its partitions' clones, so a second pass sets any
     * trigger that still differs on its own table.
     */
    private void restoreTriggers(List<RestoreCatalog.TriggerState> before, List<Long> relations)
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
            st.execute(
                "ALTER TABLE " + t.table().sql() + " " + action + Identifiers.quote(t.name()));
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

    private static String describe(java.time.Duration d) {
      long ms = d.toMillis();
      return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
  }

  private static String names(java.util.Collection<TableName> tables) {
    return tables.stream().map(TableName::display).collect(Collectors.joining(", "));
  }

  private static String missingTables(List<TableName> missing) {
    return "No such table in the database: "
        + names(missing)
        + ". restore loads data into existing tables: create the schema first, or leave them out"
        + " with --only. Nothing was changed.";
  }
}

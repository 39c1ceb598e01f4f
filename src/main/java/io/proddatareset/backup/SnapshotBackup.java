package io.proddatareset.backup;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.ForeignKeyGraph;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.catalog.TruncationOrder;
import io.proddatareset.connect.Connector;
import io.proddatareset.pg.Abandon;
import io.proddatareset.plan.Action;
import io.proddatareset.plan.Hazard;
import io.proddatareset.plan.HazardCheck;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.ResetPlan;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The standalone {@code backup}: its own {@code REPEATABLE READ, READ ONLY} transaction, in which
 * the catalog is read and the tables are copied, so the whole backup is one snapshot.
 *
 * <p>One backup is one instance: {@link #run} writes it, and {@link #interrupt} stops it from
 * another thread (Ctrl-C).
 */
public final class SnapshotBackup {
  /** How long the backup waits for a lock on a table. */
  static final String LOCK_TIMEOUT = "30s";

  private final Connector connector;
  private final List<String> schemas;
  private final Choice choice;
  private final BackupDestination destination;
  private final BackupOptions options;

  private final Object stateLock = new Object();
  // guarded by stateLock: every connection the backup opened, to close them all on an interrupt
  private final List<Connection> opened = new ArrayList<>();
  private boolean interrupted;
  // whether a partial file had been written when the interrupt came
  private volatile boolean partialWhenInterrupted;

  /** A backup of the tables {@code choice} picks in {@code schemas}, to {@code destination}. */
  public SnapshotBackup(
      Connector connector,
      List<String> schemas,
      Choice choice,
      BackupDestination destination,
      BackupOptions options) {
    this.connector = connector;
    this.schemas = schemas;
    this.choice = choice;
    this.destination = destination;
    this.options = options;
  }

  /** The tables to back up, in the order a load should take: parents before children. */
  public static List<Table> loadOrder(Catalog catalog, Collection<TableName> chosen) {
    Set<TableName> set = Set.copyOf(chosen);
    ForeignKeyGraph graph = ForeignKeyGraph.of(catalog).restrictTo(set);
    return TruncationOrder.parentsFirst(graph).tables().stream()
        .filter(set::contains)
        .map(n -> catalog.table(n).orElseThrow())
        .toList();
  }

  /** Which tables to back up, and the plan they come from (null when there is none). */
  public record Selection(Collection<TableName> tables, String planId) {}

  /** Picks the tables to back up, inside the backup's transaction. */
  @FunctionalInterface
  public interface Choice {
    Selection choose(Connection connection, Catalog catalog) throws SQLException;
  }

  /**
   * Opens a connection, starts a {@code REPEATABLE READ, READ ONLY} transaction, reads the catalog
   * of {@code schemas}, lets {@code choice} pick the tables and writes the backup (see {@link
   * BackupWriter#write}); extra jobs import the same snapshot. The transaction only reads and is
   * rolled back at the end.
   */
  public static BackupResult run(
      Connector connector, List<String> schemas, Choice choice, Path file, BackupOptions options) {
    return run(connector, schemas, choice, BackupDestination.file(file), options);
  }

  /** As {@link #run(Connector, List, Choice, Path, BackupOptions)}, to a file or a stream. */
  public static BackupResult run(
      Connector connector,
      List<String> schemas,
      Choice choice,
      BackupDestination destination,
      BackupOptions options) {
    return new SnapshotBackup(connector, schemas, choice, destination, options).run();
  }

  /**
   * Writes the backup (see {@link #run(Connector, List, Choice, Path, BackupOptions)}).
   *
   * @throws ExitException as {@link BackupWriter#write} does; INTERRUPTED after {@link #interrupt}
   *     stopped it, saying whether the partial file was removed (or naming what is left)
   */
  public BackupResult run() {
    try {
      return runTransaction();
    } catch (RuntimeException e) {
      boolean stopped;
      synchronized (stateLock) {
        stopped = interrupted;
      }
      if (!stopped) {
        throw e;
      }
      throw new ExitException(ExitStatus.INTERRUPTED, interruptedLine(), e);
    }
  }

  /**
   * Stops the backup from another thread (Ctrl-C): cancels what its connections run and closes
   * them, so that {@link #run} fails soon, removes its partial file and throws INTERRUPTED.
   */
  public void interrupt() {
    List<Connection> all;
    synchronized (stateLock) {
      if (interrupted) {
        return;
      }
      interrupted = true;
      all = List.copyOf(opened);
    }
    partialWhenInterrupted =
        !destination.streamed() && !PartialFiles.ofThisProcess(destination.file()).isEmpty();
    for (Connection c : all) {
      Abandon.cancelAndClose(c);
    }
  }

  /** What an interrupted backup left, once the writer has cleaned up after itself. */
  private String interruptedLine() {
    if (destination.streamed()) {
      return "Interrupted while backing up: the backup sent to stdout is incomplete and no"
          + " manifest was written; discard what was received.";
    }
    List<Path> left = PartialFiles.ofThisProcess(destination.file());
    if (left.isEmpty()) {
      return "Interrupted while backing up: no backup was written"
          + (partialWhenInterrupted
              ? "; the partial file was removed."
              : ", and no partial file was left.");
    }
    return "Interrupted while backing up: no backup was written, but "
        + left.stream().map(Path::toString).collect(Collectors.joining(", "))
        + (left.size() == 1 ? " was" : " were")
        + (left.size() == 1
            ? " left: remove it (it may hold production rows)."
            : " left: remove them (they may hold production rows).");
  }

  /** Opens a connection that {@link #interrupt} closes; none once interrupted. */
  private Connection open() {
    Connection c = connector.open();
    boolean stopped;
    synchronized (stateLock) {
      stopped = interrupted;
      if (!stopped) {
        opened.add(c);
      }
    }
    if (stopped) {
      Abandon.cancelAndClose(c);
      throw new ExitException(ExitStatus.INTERRUPTED, "interrupted");
    }
    return c;
  }

  private BackupResult runTransaction() {
    try (Connection c = open()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try {
        try (Statement st = c.createStatement()) {
          // the first statement takes the snapshot; a long backup must not be cut by the
          // server's statement or idle-in-transaction timeouts, and a table someone holds in
          // ACCESS EXCLUSIVE mode must not make it wait for ever
          st.execute(
              "SELECT set_config('lock_timeout', '"
                  + LOCK_TIMEOUT
                  + "', true), set_config('statement_timeout', '0', true),"
                  + " set_config('idle_in_transaction_session_timeout', '0', true)");
        }
        Catalog catalog = CatalogReader.read(c, schemas);
        Selection selection = choice.choose(c, catalog);
        refuseNamesTheFileCannotCarry(catalog, selection.tables());
        List<Table> tables = loadOrder(catalog, selection.tables());
        BackupOptions withPlan =
            selection.planId() == null ? options : options.withPlanId(selection.planId());
        return BackupWriter.write(c, this::open, tables, destination, withPlan);
      } finally {
        try {
          c.rollback();
        } catch (SQLException ignored) {
          // the connection may be gone; the server ends the transaction then
        }
      }
    } catch (SQLException e) {
      throw ExitException.failure("Backup failed: " + ExitException.firstLine(e) + ".", e);
    }
  }

  /**
   * Refuses, before the file is created, tables whose names the backup format cannot carry (see
   * {@link HazardCheck#namesTheBackupCannotCarry}).
   */
  private static void refuseNamesTheFileCannotCarry(Catalog catalog, Collection<TableName> tables) {
    List<Hazard> unfit = HazardCheck.namesTheBackupCannotCarry(catalog, tables, false);
    if (!unfit.isEmpty()) {
      throw ExitException.refused(
          String.join(" ", unfit.stream().map(h -> h.message() + " " + h.remedy()).toList())
              + " Nothing was written.");
    }
  }

  /** The tables a reset with {@code policy} would empty, and that plan's id. */
  public static Choice resetTablesOf(Policy policy) {
    return (connection, catalog) -> {
      // the backup counts rows itself: the plan's counts would only read every table twice
      ResetPlan plan =
          PlanService.planFromCatalog(connection, catalog, policy, PlanOptions.estimates());
      List<TableName> reset = plan.tables(Action.RESET);
      if (reset.isEmpty()) {
        throw ExitException.usage(
            "The policy resets no table in "
                + schemas(catalog)
                + ": nothing to back up (--all backs up every table).");
      }
      return new Selection(reset, plan.planId());
    };
  }

  /** Every table of the schemas (the {@code --all} choice). */
  public static Choice allTables() {
    return (connection, catalog) -> new Selection(all(catalog), null);
  }

  /** Every table of the catalog (the {@code --all} choice). */
  public static Collection<TableName> all(Catalog catalog) {
    if (catalog.tables().isEmpty()) {
      throw ExitException.usage("No tables in " + schemas(catalog) + ": nothing to back up.");
    }
    return catalog.tableNames();
  }

  /** "schema public" or "schemas app, audit". */
  private static String schemas(Catalog catalog) {
    return Counts.noun(catalog.schemas().size(), "schema")
        + " "
        + String.join(", ", catalog.schemas());
  }
}

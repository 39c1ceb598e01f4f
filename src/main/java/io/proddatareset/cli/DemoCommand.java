package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.Program;
import io.proddatareset.audit.AgentConsent;
import io.proddatareset.catalog.TableName;
import io.proddatareset.demo.DemoDatabase;
import io.proddatareset.reset.TableFingerprint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: the whole workflow, with the tool's real output, on a throwaway embedded PostgreSQL
 * holding the PM Agent sample data. Each step runs the real command in-process.
 */
@Command(
    name = "demo",
    description = {
      "Start a throwaway embedded PostgreSQL with the PM Agent sample data and walk through the"
          + " workflow with real output: plan, backup, reset (confirmed automatically), verify,"
          + " a restore preview (restore --dry-run), restore, and a check that the data is back."
          + " Nothing is left running; files go to a temporary directory that is removed at the"
          + " end (or to --dir, which is kept)."
    })
public class DemoCommand extends IoCommand {
  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description =
          "Keep the demo's files (backups, manifests, audit log) in DIR instead of a temporary directory.")
  Path dir;

  @Option(
      names = "--scale",
      paramLabel = "N",
      defaultValue = "3",
      description = "Sample data size in projects (default: ${DEFAULT-VALUE}, about 12,000 rows).")
  int scale;

  @Override
  public Integer call() throws IOException {
    if (scale < 1 || scale > 10_000) {
      throw ExitException.usage("--scale must be between 1 and 10000.");
    }
    boolean keepFiles = dir != null;
    Path work =
        keepFiles
            ? Files.createDirectories(dir.toAbsolutePath())
            : Files.createTempDirectory("prod-data-reset-demo-");
    Path serverDir = Files.createTempDirectory("prod-data-reset-demo-server-");
    String binaries = io.env("PDR_DEMO_BINARIES");
    try {
      heading(
          "Starting an embedded PostgreSQL with the PM Agent sample data (scale " + scale + ")");
      try (DemoDatabase db =
          DemoDatabase.start(binaries == null ? null : Path.of(binaries), serverDir, scale)) {
        return walkThrough(db, work);
      }
    } finally {
      deleteTree(serverDir);
      if (!keepFiles) {
        deleteTree(work);
        io.out().println();
        io.out()
            .println(
                "Removed the demo's temporary files ("
                    + work
                    + "); the embedded server is stopped.");
      } else {
        io.out().println();
        io.out()
            .println("The demo's files are kept in " + work + "; the embedded server is stopped.");
      }
    }
  }

  private int walkThrough(DemoDatabase db, Path work) {
    String url = db.url();
    String dbName = DemoDatabase.DATABASE;
    String audit = work.resolve("audit.jsonl").toString();
    String keep = "users,api_keys";
    Path fullBackup = work.resolve("pm_agent-before.sql.gz");
    Path resetBackup = work.resolve("pm_agent-reset.sql.zst");
    Map<String, String> env = new HashMap<>(io.env());
    env.remove("DATABASE_URL");
    if (AgentConsent.inspect(io.env()).agentDetected()) {
      env.put(
          AgentConsent.VARIABLE,
          "This is the prod-data-reset demo on its own throwaway embedded database");
      io.out()
          .println(
              "(An AI coding agent runs this demo: the demo gives its own consent for its throwaway database.)");
    }
    Io inner = new Io(io.out(), io.err(), io.in(), Map.copyOf(env), false);
    io.out().println("Database: " + url);

    Map<TableName, TableFingerprint> start = fingerprints(db);

    step(
        inner,
        "1. Dry-run: what would a reset do? (reads only)",
        0,
        "plan",
        "--url",
        url,
        "--keep",
        keep);
    step(
        inner,
        "2. A standalone backup of every table (verified after writing)",
        0,
        "backup",
        "--url",
        url,
        "--all",
        "--output",
        fullBackup.toString(),
        "--audit-log",
        audit);
    io.out()
        .println(
            "(The demo confirms the reset by passing --confirm "
                + dbName
                + "; at a terminal you would type the database name.)");
    step(
        inner,
        "3. Reset: lock, back up, truncate, check kept tables, commit, verify",
        0,
        "reset",
        "--url",
        url,
        "--keep",
        keep,
        "--backup",
        resetBackup.toString(),
        "--confirm",
        dbName,
        "--audit-log",
        audit);
    step(
        inner,
        "4. Verify later, read-only, against the reset's manifest",
        0,
        "verify",
        "--url",
        url,
        "--keep",
        keep,
        "--manifest",
        resetBackup + ".manifest.json");
    step(
        inner,
        "5. Preview the restore: what would go where, and what would refuse it (reads only)",
        0,
        "restore",
        "--dry-run",
        resetBackup.toString(),
        "--url",
        url);
    step(
        inner,
        "6. Restore what the reset removed",
        0,
        "restore",
        resetBackup.toString(),
        "--url",
        url,
        "--confirm",
        dbName,
        "--audit-log",
        audit);

    heading("7. Is the data back? Every table's row count and content hash, before and after");
    Map<TableName, TableFingerprint> end = fingerprints(db);
    boolean same = true;
    for (TableFingerprint before : start.values()) {
      TableFingerprint after = end.get(before.table());
      String diff =
          after == null ? before.table().display() + " is missing" : before.differenceFrom(after);
      io.out()
          .printf(
              Locale.ROOT,
              "  %-5s %-28s %,8d %s%s%n",
              diff == null ? "same" : "DIFF",
              before.table().display(),
              before.rows(),
              Counts.noun(before.rows(), "row"),
              diff == null ? "" : "  " + diff);
      same &= diff == null;
    }
    if (!same) {
      throw new ExitException(
          ExitStatus.VERIFICATION_FAILED, "The demo's restore did not bring every table back.");
    }
    io.out()
        .println(
            (start.size() == 1
                    ? "The table is"
                    : "All " + Counts.of(start.size(), "table") + " are")
                + " exactly as they were before the reset.");

    heading("8. The audit log (" + audit + ")");
    try {
      Files.readAllLines(Path.of(audit)).forEach(l -> io.out().println("  " + l));
    } catch (IOException e) {
      throw ExitException.failure("Cannot read the demo's audit log: " + e.getMessage(), e);
    }
    return 0;
  }

  private void step(Io inner, String title, int expectedExit, String... args) {
    heading(title);
    io.out().println("$ " + Program.commandLine(io.env(), List.of(args)));
    io.out().flush();
    int code = Main.run(inner, args);
    if (code != expectedExit) {
      throw ExitException.failure(
          "The demo step '" + args[0] + "' ended with exit code " + code + ".", null);
    }
  }

  private void heading(String title) {
    io.out().println();
    io.out().println("== " + title);
  }

  private static Map<TableName, TableFingerprint> fingerprints(DemoDatabase db) {
    try (Connection c = db.connect()) {
      List<TableName> tables = new ArrayList<>();
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 2")) {
        while (rs.next()) {
          tables.add(new TableName(rs.getString(1), rs.getString(2)));
        }
      }
      Map<TableName, TableFingerprint> out = new java.util.LinkedHashMap<>();
      c.setAutoCommit(false);
      try {
        for (TableFingerprint f : TableFingerprint.take(c, tables, TableFingerprint.Mode.HASH)) {
          out.put(f.table(), f);
        }
      } finally {
        c.rollback();
      }
      return out;
    } catch (SQLException e) {
      throw ExitException.failure("The demo could not read its database: " + e.getMessage(), e);
    }
  }

  private static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temporary directory
    }
  }
}

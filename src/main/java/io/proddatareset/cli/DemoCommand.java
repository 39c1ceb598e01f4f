package io.proddatareset.cli;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.Program;
import io.proddatareset.audit.AgentConsent;
import io.proddatareset.catalog.TableName;
import io.proddatareset.demo.DemoDatabase;
import io.proddatareset.demo.DemoWalkthrough;
import io.proddatareset.demo.PostgresBinariesCache;
import io.proddatareset.reset.TableFingerprint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
    DemoWalkthrough demo = DemoWalkthrough.create(dir);
    try {
      Path binaries = PostgresBinariesCache.forDemo(io.env(), io.err()::println);
      heading(
          "Starting an embedded PostgreSQL with the PM Agent sample data (scale " + scale + ")");
      try (DemoDatabase db = DemoDatabase.start(binaries, demo.server(), scale)) {
        return walkThrough(db, demo);
      }
    } finally {
      demo.close();
      io.out().println();
      io.out()
          .println(
              demo.kept()
                  ? "The demo's files are kept in "
                      + demo.work()
                      + "; the embedded server is stopped."
                  : "Removed the demo's temporary files ("
                      + demo.work()
                      + "); the embedded server is stopped.");
    }
  }

  private int walkThrough(DemoDatabase db, DemoWalkthrough demo) {
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
    io.out().println("Database: " + db.url());

    Map<TableName, TableFingerprint> start = db.fingerprints();
    for (DemoWalkthrough.Step step : demo.steps(db.url())) {
      if (step.note() != null) {
        io.out().println(step.note());
      }
      heading(step.title());
      io.out().println("$ " + Program.commandLine(io.env(), step.args()));
      io.out().flush();
      int code = Main.run(inner, step.args().toArray(String[]::new));
      if (code != 0) {
        throw ExitException.failure(
            "The demo step '" + step.args().get(0) + "' ended with exit code " + code + ".", null);
      }
    }

    heading("7. Is the data back? Every table's row count and content hash, before and after");
    List<DemoWalkthrough.Comparison> compared = DemoWalkthrough.compare(start, db.fingerprints());
    for (DemoWalkthrough.Comparison c : compared) {
      io.out()
          .printf(
              Locale.ROOT,
              "  %-5s %-28s %,8d %s%s%n",
              c.same() ? "same" : "DIFF",
              c.before().table().display(),
              c.before().rows(),
              Counts.noun(c.before().rows(), "row"),
              c.same() ? "" : "  " + c.difference());
    }
    if (!compared.stream().allMatch(DemoWalkthrough.Comparison::same)) {
      throw new ExitException(
          ExitStatus.VERIFICATION_FAILED, "The demo's restore did not bring every table back.");
    }
    io.out()
        .println(
            (start.size() == 1
                    ? "The table is"
                    : "All " + Counts.of(start.size(), "table") + " are")
                + " exactly as they were before the reset.");

    heading("8. The audit log (" + demo.auditLog() + ")");
    try {
      Files.readAllLines(demo.auditLog()).forEach(l -> io.out().println("  " + l));
    } catch (IOException e) {
      throw ExitException.failure("Cannot read the demo's audit log: " + e.getMessage(), e);
    }
    return 0;
  }

  private void heading(String title) {
    io.out().println();
    io.out().println("== " + title);
  }
}

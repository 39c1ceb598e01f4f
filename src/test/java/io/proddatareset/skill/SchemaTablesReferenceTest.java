package io.proddatareset.skill;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * {@code skill/prod-data-reset/references/schema-tables.md} is what {@code schema --format
 * markdown} prints for the PM Agent fixture today, so it cannot go stale.
 */
class SchemaTablesReferenceTest {
  // the command in the file's header, after DATABASE_URL=...
  static final String[] ARGS = {
    "schema", "--format", "markdown", "--policy", "examples/pm-agent.policy.yaml"
  };

  @Test
  void theCommittedReferenceIsWhatTheToolPrintsForTheFixture() throws IOException {
    TestDatabase db = TestPostgres.freshDatabase("pm_agent").loadPmAgent(1);
    Cli.Result r = new Cli().env("DATABASE_URL", db.url()).run(ARGS);
    assertThat(r.exitCode()).as(r.toString()).isZero();

    String committed = Files.readString(SkillTest.REFERENCE);
    int title = committed.indexOf("\n# Tables of ");
    assertThat(title).as("the generated part starts with its title").isPositive();
    String header = committed.substring(0, title + 1);
    assertThat(header)
        .contains("Generated, do not edit by hand")
        .contains("./prod-data-reset " + String.join(" ", ARGS) + "`")
        .endsWith("\n\n");

    // the database's name in the title is the one thing that differs from run to run
    assertThat(withoutDatabaseName(committed.substring(header.length())))
        .isEqualTo(withoutDatabaseName(r.out()));
  }

  private static String withoutDatabaseName(String markdown) {
    return markdown.replaceFirst("^# Tables of `[^`]+`", "# Tables of `DBNAME`");
  }
}

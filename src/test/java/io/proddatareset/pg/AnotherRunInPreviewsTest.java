package io.proddatareset.pg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;

/**
 * The previews say when another reset or restore holds the database, as the real run would refuse:
 * {@code restore --dry-run} lists it among the reasons it would be refused (exit 3), and {@code
 * plan} warns (its exit code stays as it was). Neither takes the claim.
 */
class AnotherRunInPreviewsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String POLICY = Path.of("examples/pm-agent.policy.yaml").toAbsolutePath().toString();

  @TempDir Path dir;

  @Test
  void restoreDryRunRefusesAndPlanWarnsWhileAnotherSessionHoldsTheClaim() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("held_claim").loadPmAgent(1);
    Path backup = dir.resolve("earlier.sql");
    Cli.Result reset =
        cli()
            .run(
                "reset",
                db.url(),
                "--policy",
                POLICY,
                "--backup",
                backup.toString(),
                "--confirm",
                db.name());
    assertThat(reset.exitCode()).as(reset.toString()).isZero();
    assertThat(dryRun(db, backup).exitCode()).isZero();
    Cli.Result planFree = cli().run("plan", db.url(), "--policy", POLICY);
    assertThat(planFree.out()).doesNotContain("ANOTHER_RESET_RUNNING");

    try (Connection holder = db.connect()) {
      try (Statement st = holder.createStatement()) {
        st.execute("SET application_name = 'another-reset'");
      }
      holder.setAutoCommit(false);
      OneAtATime.claim(holder, "reset");
      int pid = holder.unwrap(PGConnection.class).getBackendPID();
      String who =
          "(pid " + pid + ", user postgres, application 'another-reset', idle in transaction";

      Cli.Result dry = dryRun(db, backup);
      assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(3);
      assertThat(dry.out())
          .contains("The restore would be refused:")
          .contains("  - another reset or restore is running on this database " + who);
      assertThat(dry.err())
          .contains("The restore would be refused: another reset or restore is running on this")
          .contains("wait until it has finished")
          .contains("Nothing was changed (dry run).");
      JsonNode preview = JSON.readTree(dryRun(db, backup, "--json").out());
      assertThat(preview.get("wouldRestore").asBoolean()).isFalse();
      assertThat(preview.get("refusals").toString()).contains("pid " + pid);

      Cli.Result plan = cli().run("plan", db.url(), "--policy", POLICY);
      assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(planFree.exitCode());
      assertThat(plan.out())
          .contains(
              "[ANOTHER_RESET_RUNNING] Another reset or restore is running on this database " + who)
          .contains("a reset now would be refused; wait until it has finished.");
      JsonNode planJson =
          JSON.readTree(cli().run("plan", db.url(), "--policy", POLICY, "--json").out());
      List<String> codes = new ArrayList<>();
      planJson.get("warnings").forEach(w -> codes.add(w.get("code").asText()));
      assertThat(codes).contains("ANOTHER_RESET_RUNNING");

      // they only looked: the claim is still the holder's, and a real restore is refused
      Cli.Result restore =
          cli().run("restore", backup.toString(), "--url", db.url(), "--confirm", db.name());
      assertThat(restore.exitCode()).as(restore.toString()).isEqualTo(3);
      assertThat(restore.err()).contains("application 'another-reset'");
      holder.rollback();
    }

    assertThat(dryRun(db, backup).exitCode()).isZero();
    assertThat(cli().run("plan", db.url(), "--policy", POLICY).out())
        .doesNotContain("ANOTHER_RESET_RUNNING");
  }

  @Test
  void heldByNamesAnotherSessionOnlyAndTakesNothing() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("held_by");
    try (Connection holder = db.connect();
        Connection looker = db.connect()) {
      assertThat(OneAtATime.heldBy(looker)).isEmpty();
      holder.setAutoCommit(false);
      OneAtATime.claim(holder, "restore");
      // its own claim is not another's
      assertThat(OneAtATime.heldBy(holder)).isEmpty();
      int pid = holder.unwrap(PGConnection.class).getBackendPID();
      assertThat(OneAtATime.heldBy(looker))
          .hasValueSatisfying(h -> assertThat(h).startsWith("pid " + pid + ","));
      // looking took nothing: once the holder lets go, the looker can claim
      holder.rollback();
      looker.setAutoCommit(false);
      OneAtATime.claim(looker, "reset");
      assertThat(OneAtATime.heldBy(holder)).isPresent();
      looker.rollback();
    }
  }

  private static Cli cli() {
    return new Cli();
  }

  private Cli.Result dryRun(TestDatabase db, Path backup, String... extra) {
    List<String> args =
        new ArrayList<>(List.of("restore", backup.toString(), "--url", db.url(), "--dry-run"));
    args.addAll(List.of(extra));
    return cli().run(args.toArray(String[]::new));
  }
}

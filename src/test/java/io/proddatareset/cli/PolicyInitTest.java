package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policy init} writes a policy that {@code plan --policy} reads with every table classified.
 */
class PolicyInitTest {
  @TempDir Path tmp;

  private static Cli cli(TestDatabase db) {
    return new Cli().env("DATABASE_URL", db.url());
  }

  @Test
  void pmAgentWithKeepGivesAPolicyThatPlansWithEveryTableClassified() throws IOException {
    TestDatabase db = TestPostgres.freshDatabase("init_pm").loadPmAgent(1);
    Path policy = tmp.resolve("policy.yaml");
    Cli.Result init =
        cli(db).run("policy", "init", "--keep", "users,api_keys", "--output", policy.toString());
    assertThat(init.exitCode()).as(init.toString()).isZero();
    assertThat(init.out()).isEmpty();
    assertThat(init.err()).contains("Wrote " + policy + ": 3 tables to keep, 10 tables to reset");

    String yaml = Files.readString(policy);
    // both lists, every table with its comment; migration history kept
    assertThat(yaml)
        .contains("schema: public\n")
        .contains("keep:\n")
        .contains("reset:\n")
        .containsPattern(
            "  # \\d+ rows?, \\d+ (bytes|kB); migration history\n  - schema_migrations\n")
        .containsPattern(
            "  # \\d+ rows?, \\d+ (bytes|kB); references public.users \\(owner_id\\); referenced by"
                + " public.entities \\(project_id\\), public.epics \\(project_id\\),"
                + " public.raw_notes \\(project_id\\), public.tags \\(project_id\\)\n  - projects\n");
    assertThat(yaml.lines().filter(l -> l.startsWith("  - "))).hasSize(13);
    assertThat(yaml.lines().filter(l -> l.startsWith("  # "))).hasSize(13);

    Cli.Result plan = cli(db).run("plan", "--policy", policy.toString(), "--json");
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    assertThat(plan.out()).doesNotContain("unclassified").contains("\"action\" : \"reset\"");
    Cli.Result text = cli(db).run("plan", "--policy", policy.toString());
    assertThat(text.out()).contains("listed in reset: of " + policy);

    // a table added later makes the policy stale: refused as unclassified
    db.exec("CREATE TABLE public.invoices (id int PRIMARY KEY)");
    Cli.Result stale = cli(db).run("plan", "--policy", policy.toString());
    assertThat(stale.exitCode()).as(stale.toString()).isEqualTo(3);
    assertThat(stale.out() + stale.err()).contains("invoices").contains("neither");
  }

  @Test
  void withNeitherListEveryTableIsKeptAndThePlanResetsNothing() throws IOException {
    TestDatabase db = TestPostgres.freshDatabase("init_none").loadPmAgent(1);
    Cli.Result init = cli(db).run("policy", "init");
    assertThat(init.exitCode()).as(init.toString()).isZero();
    assertThat(init.out()).contains("reset: []\n").contains("every table is kept");
    Path policy = Files.writeString(tmp.resolve("p.yaml"), init.out());
    Cli.Result plan = cli(db).run("plan", "--policy", policy.toString());
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    assertThat(plan.out()).contains("The policy resets no table.").doesNotContain("unclassified");
  }

  @Test
  void pagilaWithResetOnlyKeepsTheRestAndPlansWithExitZero() throws IOException {
    TestDatabase db = TestPostgres.freshDatabase("init_pagila").loadPagila();
    Path policy = tmp.resolve("pagila.yaml");
    Cli.Result init =
        cli(db)
            .run(
                "policy",
                "init",
                "--reset",
                "rental,payment",
                "--estimate",
                "--output",
                policy.toString());
    assertThat(init.exitCode()).as(init.toString()).isZero();
    String yaml = Files.readString(policy);
    assertThat(yaml).contains("planner's estimate").contains("  - rental\n").contains("  - film\n");
    Cli.Result plan = cli(db).run("plan", "--policy", policy.toString(), "--json");
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    assertThat(plan.out()).doesNotContain("unclassified");
  }

  @Test
  void oddNamesAndSeveralSchemasReadBackAsTheSameTables() throws IOException {
    TestDatabase db = TestPostgres.freshDatabase("init_odd");
    db.exec(
        "CREATE SCHEMA app",
        "CREATE TABLE public.\"Audit Log\" (id int PRIMARY KEY)",
        "CREATE TABLE public.yes (id int PRIMARY KEY)",
        "CREATE TABLE app.\"a,b.c\"\"d\" (id int PRIMARY KEY,"
            + " log int REFERENCES public.\"Audit Log\")",
        "CREATE TABLE app.\"2024\" (id int)");
    Path policy = tmp.resolve("odd.yaml");
    Cli.Result init =
        cli(db)
            .run(
                "policy",
                "init",
                "--schema",
                "public,app",
                "--keep",
                "public.yes",
                "--output",
                policy.toString());
    assertThat(init.exitCode()).as(init.toString()).isZero();
    String yaml = Files.readString(policy);
    assertThat(yaml)
        .contains("  - public.yes\n")
        .contains("  - app.\"2024\"\n")
        .contains("  - \"public.\\\"Audit Log\\\"\"\n")
        .contains("  - \"app.\\\"a,b.c\\\"\\\"d\\\"\"\n");
    Cli.Result plan = cli(db).run("plan", "--policy", policy.toString(), "--json");
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    assertThat(plan.out()).doesNotContain("unclassified");
  }

  @Test
  void anExistingOutputFileIsNeverOverwritten() throws IOException {
    TestDatabase db = TestPostgres.freshDatabase("init_exists").loadPmAgent(1);
    Path policy = Files.writeString(tmp.resolve("policy.yaml"), "keep: [users]\n");
    Cli.Result r = cli(db).run("policy", "init", "--keep", "users", "--output", policy.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("already exists; nothing was written");
    assertThat(Files.readString(policy)).isEqualTo("keep: [users]\n");
  }

  @Test
  void bothListsLeavingATableOutAreRefused() {
    TestDatabase db = TestPostgres.freshDatabase("init_both").loadPmAgent(1);
    Cli.Result r = cli(db).run("policy", "init", "--keep", "users", "--reset", "projects");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("named in neither --keep nor --reset").contains("public.tags");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void aPolicyThePlanWouldRefuseIsWrittenWithANote() throws IOException {
    TestDatabase db = TestPostgres.freshDatabase("init_hazard").loadPmAgent(1);
    Cli.Result init = cli(db).run("policy", "init", "--reset", "users");
    assertThat(init.exitCode()).as(init.toString()).isZero();
    assertThat(init.err())
        .contains("note: plan --policy will refuse this policy:")
        .contains("public.api_keys");
    Path policy = Files.writeString(tmp.resolve("p.yaml"), init.out());
    Cli.Result plan = cli(db).run("plan", "--policy", policy.toString());
    assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(3);
    assertThat(plan.out()).contains("KEPT_REFERENCES_RESET").doesNotContain("unclassified");
  }
}

package io.proddatareset.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.CatalogReaderTest;
import io.proddatareset.catalog.TableName;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/** The plan service on real schemas: plan id, hazards, warnings, transactions. */
class PlanServiceTest {
  static ResetPlan plan(TestDatabase db, Policy policy) throws SQLException {
    try (Connection c = db.connect()) {
      return PlanService.plan(c, policy, PlanOptions.exactCounts());
    }
  }

  static Policy policy(List<String> schemas, List<String> keep, List<String> reset) {
    return Policy.of(schemas, keep, reset);
  }

  static TableName t(String schema, String name) {
    return new TableName(schema, name);
  }

  @Test
  void planIdIsStableAndChangesWithSchemaPolicyAndDatabase() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    TestDatabase twin = TestPostgres.freshDatabase();
    String ddl =
        "CREATE TABLE parent (id int PRIMARY KEY);"
            + " CREATE TABLE child (id int, parent_id int REFERENCES parent(id));"
            + " INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1);";
    db.exec(ddl);
    twin.exec(ddl);
    Policy keepParent = Policy.keeping("parent");

    String id = plan(db, keepParent).planId();
    assertThat(id).matches("[0-9a-f]{12}");
    assertThat(plan(db, keepParent).planId()).isEqualTo(id);
    // data changes do not change the plan
    db.exec("INSERT INTO child VALUES (2, 1)");
    assertThat(plan(db, keepParent).planId()).isEqualTo(id);
    // another policy, another database, another schema do
    assertThat(plan(db, policy(List.of(), List.of(), List.of("child", "parent"))).planId())
        .isNotEqualTo(id);
    assertThat(plan(twin, keepParent).planId()).isNotEqualTo(id);
    db.exec("ALTER TABLE child ADD COLUMN note text");
    String afterColumn = plan(db, keepParent).planId();
    assertThat(afterColumn).isNotEqualTo(id);
    db.exec("CREATE TABLE other_child (parent_id int REFERENCES parent(id))");
    assertThat(plan(db, keepParent).planId()).isNotEqualTo(afterColumn);
  }

  @Test
  void crossSchemaKeysCyclesWarningsAndOutOfScopeChildren() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(CatalogReaderTest.FEATURES);
    List<String> scope = List.of("public", "app");

    // reset base only: the kept "Audit Log" and other.ref (out of scope) reference it
    ResetPlan refused = plan(db, policy(scope, List.of(), List.of("base")));
    assertThat(refused.refused()).isTrue();
    assertThat(refused.hazards())
        .extracting(Hazard::code)
        .containsOnly(Hazard.Code.KEPT_REFERENCES_RESET);
    assertThat(refused.hazards())
        .anySatisfy(
            h ->
                assertThat(h.message())
                    .contains("Kept table app.\"Audit Log\" references reset table public.base")
                    .contains("column base_id")
                    .contains("constraint Audit Log_base_id_fkey"))
        .anySatisfy(
            h -> {
              assertThat(h.message())
                  .contains(
                      "Table other.ref (outside the schemas in scope) references reset table"
                          + " public.base");
              assertThat(h.remedy()).contains("Add --schema other");
            });
    assertThat(refused.warnings())
        .extracting(PlanWarning::code)
        .contains(PlanWarning.Code.TRUNCATE_TRIGGER, PlanWarning.Code.MATERIALIZED_VIEW);

    // keep base: everything else in scope is reset, children before parents
    ResetPlan ok = plan(db, policy(scope, List.of("base"), List.of()));
    assertThat(ok.hazards()).isEmpty();
    assertThat(ok.keptTables()).containsExactly(t("public", "base"));
    assertThat(ok.resetTables()).contains(t("app", "Audit Log"), t("public", "events"));
    assertThat(ok.order().cycles())
        .extracting(g -> g.tables())
        .containsExactlyInAnyOrder(
            List.of(t("public", "a"), t("public", "b")), List.of(t("public", "node")));
    assertThat(ok.resetTables().indexOf(t("public", "events")))
        .isLessThan(ok.resetTables().indexOf(t("public", "node")));
    assertThat(ok.warnings())
        .anySatisfy(
            w -> {
              assertThat(w.code()).isEqualTo(PlanWarning.Code.PUBLICATION);
              assertThat(w.message()).contains("public.node").contains("node_pub");
            });
    assertThat(ok.table(t("public", "events")).orElseThrow().rows()).isEqualTo(2);

    // schema-qualified and quoted names; a name in a schema outside the scope
    ResetPlan qualified = plan(db, policy(scope, List.of("base", "app.\"Audit Log\""), List.of()));
    assertThat(qualified.keptTables()).containsExactly(t("app", "Audit Log"), t("public", "base"));
    assertThatThrownBy(
            () -> plan(db, policy(List.of("public"), List.of("app.\"Audit Log\""), List.of())))
        .isInstanceOf(ExitException.class)
        .hasMessageContaining("schema app is not in scope")
        .hasMessageContaining("add --schema app");
    assertThatThrownBy(() -> plan(db, policy(scope, List.of("base"), List.of("base"))))
        .hasMessageContaining("named in both --keep and --reset");
  }

  @Test
  void theSameNameInTwoSchemasMustBeQualified() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE SCHEMA app; CREATE TABLE public.items (id int); CREATE TABLE app.items (id int)");
    assertThatThrownBy(
            () -> plan(db, policy(List.of("public", "app"), List.of("items"), List.of())))
        .hasMessageContaining("--keep items is ambiguous: it names app.items and public.items");
    ResetPlan p = plan(db, policy(List.of("public", "app"), List.of("app.items"), List.of()));
    assertThat(p.resetTables()).containsExactly(t("public", "items"));
  }

  @Test
  void aRoleWithoutTruncateIsRefusedNamingTheGrant() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE parent (id int PRIMARY KEY)",
        "CREATE TABLE child (parent_id int REFERENCES parent(id))",
        "CREATE TABLE kept (id int)",
        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + TestPostgres.PASSWORD_ROLE);
    Policy policy = Policy.keeping("kept");
    ResetPlan asRole;
    try (Connection c = asPasswordRole(db)) {
      asRole = PlanService.plan(c, policy, PlanOptions.exactCounts());
    }
    assertThat(asRole.catalog().currentUser()).isEqualTo(TestPostgres.PASSWORD_ROLE);
    // pg_control_system() is open to every role: the plan id has the same identity as for the owner
    assertThat(asRole.catalog().systemIdentifier())
        .isEqualTo(plan(db, policy).catalog().systemIdentifier())
        .matches("[0-9]+");
    assertThat(asRole.hazards())
        .extracting(Hazard::code)
        .containsExactly(Hazard.Code.NO_TRUNCATE_PRIVILEGE, Hazard.Code.NO_TRUNCATE_PRIVILEGE);
    assertThat(asRole.hazards().get(0).message())
        .contains(
            "User " + TestPostgres.PASSWORD_ROLE + " lacks the TRUNCATE privilege on public.child")
        .contains("owner postgres");
    assertThat(asRole.hazards().get(0).remedy())
        .contains("GRANT TRUNCATE ON public.child TO " + TestPostgres.PASSWORD_ROLE);

    db.exec("GRANT TRUNCATE ON parent, child TO " + TestPostgres.PASSWORD_ROLE);
    try (Connection c = asPasswordRole(db)) {
      assertThat(PlanService.plan(c, policy, PlanOptions.exactCounts()).hazards()).isEmpty();
    }
  }

  @Test
  void aTableTheRoleCannotReadIsRefusedAndNotCounted() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE wiped (id int)",
        "CREATE TABLE secret (id int)",
        "INSERT INTO secret VALUES (1)",
        "GRANT SELECT, TRUNCATE ON wiped TO " + TestPostgres.PASSWORD_ROLE);
    ResetPlan p;
    try (Connection c = asPasswordRole(db)) {
      p = PlanService.plan(c, Policy.keeping("secret"), PlanOptions.exactCounts());
    }
    assertThat(p.hazards())
        .extracting(Hazard::code)
        .containsExactly(Hazard.Code.NO_SELECT_PRIVILEGE);
    assertThat(p.hazards().get(0).message())
        .contains("cannot read keep table public.secret (no SELECT privilege)");
    assertThat(p.table(t("public", "secret")).orElseThrow().rows()).isEqualTo(-1);
    assertThat(p.table(t("public", "wiped")).orElseThrow().rows()).isZero();
  }

  @Test
  void aKeptChildByInheritanceOfAResetTableIsRefusedAndCountsAreOwnRows() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE log (id int)",
        "CREATE TABLE log_archive () INHERITS (log)",
        "CREATE TABLE kept (id int)",
        "INSERT INTO log VALUES (1)",
        "INSERT INTO log_archive VALUES (2), (3)");
    ResetPlan refused = plan(db, Policy.keeping("kept", "log_archive"));
    assertThat(refused.hazards())
        .extracting(Hazard::code)
        .containsExactly(Hazard.Code.KEPT_INHERITS_RESET);
    assertThat(refused.hazards().get(0).message())
        .contains("Kept table public.log_archive inherits from reset table public.log");
    assertThat(refused.table(t("public", "log")).orElseThrow().rows()).isEqualTo(1);
    assertThat(refused.table(t("public", "log_archive")).orElseThrow().rows()).isEqualTo(2);
    assertThat(refused.catalog().table(t("public", "log")).orElseThrow().inheritanceChildren())
        .containsExactly(t("public", "log_archive"));
    assertThat(plan(db, Policy.keeping("kept")).hazards()).isEmpty();
  }

  private static Connection asPasswordRole(TestDatabase db) throws SQLException {
    return java.sql.DriverManager.getConnection(
        "jdbc:postgresql://localhost:" + db.port() + "/" + db.name() + "?sslmode=disable",
        TestPostgres.PASSWORD_ROLE,
        TestPostgres.PASSWORD);
  }

  @Test
  void runsReadOnlyAndLeavesTheConnectionAsItWas() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec("CREATE TABLE t (id int)");
    try (Connection c = db.connect()) {
      PlanService.plan(c, Policy.keeping("t"), PlanOptions.exactCounts());
      assertThat(c.getAutoCommit()).isTrue();
      assertThat(c.isReadOnly()).isFalse();
      try (Statement st = c.createStatement()) {
        st.execute("INSERT INTO t VALUES (1)"); // the session is writable again
      }
      // inside a caller's transaction it uses that transaction and leaves it open
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("INSERT INTO t VALUES (2)");
      }
      ResetPlan p =
          PlanService.plan(
              c, policy(List.of(), List.of(), List.of("t")), PlanOptions.exactCounts());
      assertThat(p.table(t("public", "t")).orElseThrow().rows()).isEqualTo(2);
      c.rollback();
    }
    assertThat(db.count("t")).isEqualTo(1);
  }

  @Test
  void aLockWaitTimesOutNamingTheHolder() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec("CREATE TABLE busy (id int)", "CREATE TABLE kept (id int)");
    try (Connection holder = db.connect();
        Connection planner = db.connect()) {
      holder.setAutoCommit(false);
      try (Statement st = holder.createStatement()) {
        st.execute("LOCK TABLE busy IN ACCESS EXCLUSIVE MODE");
      }
      int pid = holder.unwrap(PGConnection.class).getBackendPID();
      long start = System.nanoTime();
      assertThatThrownBy(
              () ->
                  PlanService.plan(
                      planner,
                      Policy.keeping("kept"),
                      PlanOptions.exactCounts().withLockTimeout(Duration.ofSeconds(1))))
          .isInstanceOf(ExitException.class)
          .satisfies(e -> assertThat(((ExitException) e).status()).isEqualTo(ExitStatus.FAILURE))
          .hasMessageContaining("Timed out after 1s waiting for a table lock held by pid " + pid)
          .hasMessageContaining("busy")
          .hasMessageContaining("nothing was changed");
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(8000);
      assertThat(planner.getAutoCommit()).isTrue();
      holder.rollback();
    }
  }
}

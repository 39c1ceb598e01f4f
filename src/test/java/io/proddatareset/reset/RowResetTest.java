package io.proddatareset.reset;

import static io.proddatareset.testing.CascadeOracle.counts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.backup.BackupProgress;
import io.proddatareset.catalog.TableName;
import io.proddatareset.connect.Connector;
import io.proddatareset.connect.TargetParser;
import io.proddatareset.pg.LockAttempts;
import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.ResetPlan;
import io.proddatareset.testing.CascadeOracle;
import io.proddatareset.testing.SubsetShapes;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The row reset's transaction ({@link RowReset}) on real schemas, checked against the database's
 * own cascade: a scratch copy of the database with every {@code NO ACTION} / {@code RESTRICT} key
 * made {@code CASCADE}, one {@code DELETE} of the selection there, and every table's sorted COPY
 * output compared with the reset database's: the same rows went, the same rows were updated to the
 * same values, and every other row is byte-identical.
 */
class RowResetTest {
  static ResetOptions noBackup(Duration lockTimeout) {
    return new ResetOptions(
        null,
        "a test database",
        lockTimeout,
        Duration.ofSeconds(60),
        false,
        TableFingerprint.Mode.HASH,
        1,
        6);
  }

  /** The plan the user would confirm: read-only, with exact counts, as {@code reset} makes it. */
  static ResetPlan subset(
      TestDatabase db,
      List<String> where,
      List<String> references,
      String tenantKey,
      List<String> kept) {
    Policy policy =
        Policy.of(
                db.queryStrings(
                    "SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 'other')"
                        + " ORDER BY 1 DESC"),
                kept,
                List.of())
            .withRows(new Policy.Rows(where, references, tenantKey));
    return PlanService.plan(connector(db).target(), policy, PlanOptions.exactCounts());
  }

  static ResetPlan subset(TestDatabase db, String... where) {
    return subset(db, List.of(where), List.of(), null, List.of());
  }

  static Connector connector(TestDatabase db) {
    return new Connector(TargetParser.parse(db.url()));
  }

  static RowResetResult reset(TestDatabase db, ResetPlan subset) {
    return new RowReset(
            connector(db),
            noBackup(Duration.ofSeconds(5)),
            ResetService.Listener.NONE,
            BackupProgress.NONE,
            LockAttempts.Tuning.DEFAULT)
        .run(subset);
  }

  /**
   * Every table's sorted COPY output in a scratch copy of {@code db} after {@code delete} ran there
   * with every NO ACTION / RESTRICT key made CASCADE: the database's own answer.
   */
  static Map<String, List<String>> cascade(TestDatabase db, String delete) {
    return CascadeOracle.after(db, delete).snapshot();
  }

  static TableName t(String name) {
    return new TableName("public", name);
  }

  @Test
  void pmAgentOneProjectIsWhatTheDatabasesCascadeLeaves() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    // review_queue -> raw_notes is NO ACTION; an entity of another project pointing at one of its
    // epics (SET NULL) is updated
    db.exec(
        "INSERT INTO review_queue (entity_id, raw_note_id, reason)"
            + " SELECT (SELECT min(id) FROM entities WHERE project_id = 2), min(id), 'cross'"
            + " FROM raw_notes WHERE project_id = 1",
        "UPDATE entities SET epic_id = (SELECT min(id) FROM epics WHERE project_id = 1)"
            + " WHERE id IN (SELECT id FROM entities WHERE project_id = 2 ORDER BY id LIMIT 5)");
    Map<String, List<String>> expected = cascade(db, "DELETE FROM projects WHERE id = 1");

    RowResetResult result = reset(db, subset(db, "projects: id = 1"));

    assertThat(db.snapshot()).isEqualTo(expected);
    assertThat(result.closure().table(t("entities")).orElseThrow().deleteRows()).isEqualTo(250);
    assertThat(result.closure().table(t("entities")).orElseThrow().updateRows())
        .isGreaterThanOrEqualTo(5);
    // the rows are locked as the closure finds them: one computation when nothing changes
    assertThat(result.rounds()).isEqualTo(1);
    assertThat(result.addedSince()).isEmpty();
  }

  @Test
  void pmAgentOneOwnersProjectsIsWhatTheDatabasesCascadeLeaves() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(5);
    String owner = db.queryStrings("SELECT owner_id FROM projects ORDER BY id LIMIT 1").get(0);
    Map<String, List<String>> expected =
        cascade(db, "DELETE FROM projects WHERE owner_id = '" + owner + "'");

    RowResetResult result = reset(db, subset(db, "projects: owner_id = '" + owner + "'"));

    assertThat(db.snapshot()).isEqualTo(expected);
    assertThat(result.rowsDeleted()).isGreaterThan(500);
  }

  @Test
  void pagilaOneCustomerIsWhatTheDatabasesCascadeLeaves() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase().loadPagila();
    Map<String, List<String>> expected = cascade(db, "DELETE FROM customer WHERE customer_id = 1");

    RowResetResult result = reset(db, subset(db, "customer: customer_id = 1"));

    assertThat(db.snapshot()).isEqualTo(expected);
    assertThat(result.closure().table(t("rental")).orElseThrow().deleteRows()).isPositive();
  }

  @Test
  void aNonDeferrableCycleSelfReferencesCompositeKeysAndSetNull() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SubsetShapes.SHAPES);
    Map<String, List<String>> expected = cascade(db, "DELETE FROM country WHERE id = 1");

    RowResetResult result = reset(db, subset(db, "country: id = 1"));

    assertThat(db.snapshot()).isEqualTo(expected);
    assertThat(counts(result.closure()))
        .containsEntry("public.country", List.of(2L, 0L))
        .containsEntry("public.city", List.of(4L, 0L))
        .containsEntry("public.person", List.of(3L, 2L))
        .containsEntry("other.note", List.of(2L, 0L));
  }

  @Test
  void aClosureThatReachesAKeptTableIsRefusedAndChangesNothing() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SubsetShapes.SHAPES);
    Map<String, List<String>> before = db.snapshot();

    assertThatThrownBy(
            () ->
                reset(db, subset(db, List.of("country: id = 1"), List.of(), null, List.of("city"))))
        .isInstanceOfSatisfying(
            ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.REFUSED))
        .hasMessageContaining("public.country -> public.city by")
        .hasMessageContaining("Nothing was changed");
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void aStatementThatDeletesOtherRowsThanTheKeySetRollsBackAndChangesNothing() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SubsetShapes.SHAPES);
    // a trigger of the app's that silently keeps a row (of a table without a key: rows are told
    // apart by their content's hash): the DELETE removes fewer than were locked
    db.exec(
        "CREATE FUNCTION keep_three() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN IF OLD.id = 3 THEN RETURN NULL; END IF; RETURN OLD; END $$",
        "CREATE TRIGGER keep_three BEFORE DELETE ON other.note FOR EACH ROW"
            + " EXECUTE FUNCTION keep_three()");
    Map<String, List<String>> before = db.snapshot();

    assertThatThrownBy(() -> reset(db, subset(db, "other.note: id IN (1, 3)")))
        .isInstanceOfSatisfying(
            ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.REFUSED))
        .hasMessageContaining("other.note: 1 deleted, 2 expected, 1 of them not")
        .hasMessageContaining("rolled back, nothing was changed");
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void aStatementThatKeepsARowOfAKeyedTableRollsBackAndChangesNothing() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SubsetShapes.SHAPES);
    // the same on a table with a primary key, which the statement itself checks by its keys
    db.exec(
        "CREATE FUNCTION keep_one() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN IF OLD.id = 1 THEN RETURN NULL; END IF; RETURN OLD; END $$",
        "CREATE TRIGGER keep_one BEFORE DELETE ON address FOR EACH ROW"
            + " EXECUTE FUNCTION keep_one()");
    Map<String, List<String>> before = db.snapshot();

    assertThatThrownBy(() -> reset(db, subset(db, "address: id IN (1, 2)")))
        .isInstanceOfSatisfying(
            ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.REFUSED))
        .hasMessageContaining("public.address: 1 deleted, 2 expected, 1 of them not")
        .hasMessageContaining("rolled back, nothing was changed");
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void anUpdateThatChangesOtherRowsThanTheKeySetRollsBackAndChangesNothing() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SubsetShapes.SHAPES);
    // a trigger of the app's that silently keeps person 4 as it was (its mentor, person 1, goes)
    db.exec(
        "CREATE FUNCTION keep_four() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN IF OLD.id = 4 THEN RETURN NULL; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER keep_four BEFORE UPDATE ON person FOR EACH ROW"
            + " EXECUTE FUNCTION keep_four()");
    Map<String, List<String>> before = db.snapshot();

    assertThatThrownBy(() -> reset(db, subset(db, "person: id = 1")))
        .isInstanceOfSatisfying(
            ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.REFUSED))
        .hasMessageContaining("public.person: 1 updated, 2 expected, 1 of them not")
        .hasMessageContaining("rolled back, nothing was changed");
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void aRowAddedToTheClosureSinceThePlanWasConfirmedRefusesAndChangesNothing() {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    ResetPlan confirmed = subset(db, "projects: id = 1");
    db.exec("INSERT INTO tags (project_id, name) VALUES (1, 'added after the plan')");
    Map<String, List<String>> before = db.snapshot();

    assertThatThrownBy(() -> reset(db, confirmed))
        .isInstanceOfSatisfying(
            ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.REFUSED))
        .hasMessageContaining("The plan changed since it was shown (plan id " + confirmed.planId())
        .hasMessageContaining("Nothing was changed");
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void oneTenantWithTheTenantKeyGoesWholeAndEveryOtherTenantsRowsStayByteIdentical() {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SubsetShapes.TENANTS);
    // what must stay: every row of the other tenants, as it is
    Map<String, List<String>> expected = new TreeMap<>();
    for (String table :
        List.of("users", "projects", "invoices", "invoice_lines", "events", "settings")) {
      db.exec(
          "CREATE TABLE kept_" + table + " AS SELECT * FROM " + table + " WHERE tenant_id <> 2");
    }
    db.exec("CREATE TABLE kept_tenants AS SELECT * FROM tenants WHERE id <> 2");
    Map<String, List<String>> before = db.snapshot();
    before.forEach(
        (table, rows) -> {
          if (table.startsWith("public.kept_")) {
            expected.put("public." + table.substring("public.kept_".length()), rows);
          }
        });

    RowResetResult result =
        reset(db, subset(db, List.of("tenants: id = 2"), List.of(), "tenant_id", List.of()));

    Map<String, List<String>> after = db.snapshot();
    expected.forEach((table, rows) -> assertThat(after.get(table)).as(table).isEqualTo(rows));
    assertThat(result.rowsDeleted())
        .isEqualTo(
            before.entrySet().stream()
                .filter(e -> expected.containsKey(e.getKey()))
                .mapToLong(e -> e.getValue().size() - expected.get(e.getKey()).size())
                .sum());
  }
}

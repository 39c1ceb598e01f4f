package io.proddatareset.plan;

import static io.proddatareset.testing.CascadeOracle.counts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.TableName;
import io.proddatareset.testing.CascadeOracle;
import io.proddatareset.testing.SubsetShapes;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The row closure on real schemas, checked against the database's own cascade: a scratch copy of
 * the database ({@code CREATE DATABASE ... TEMPLATE}) with every {@code NO ACTION} / {@code
 * RESTRICT} key made {@code CASCADE} (the tool deletes those children itself), one {@code DELETE}
 * of the selection, and the rows that went or changed, table by table.
 */
class RowClosureTest {

  static RowClosure.Result closure(
      TestDatabase db,
      List<String> schemas,
      List<String> where,
      List<String> references,
      String tenantKey)
      throws SQLException {
    try (Connection c = db.connect()) {
      Catalog catalog = CatalogReader.read(c, schemas);
      KeyDetails keys = KeyDetails.read(c);
      RowSelection selection = RowSelection.resolve(catalog, keys, where, references, tenantKey);
      for (RowSelection.Condition condition : selection.conditions()) {
        ConditionCheck.check(c, catalog.table(condition.table()).orElseThrow(), condition.sql());
      }
      RowClosure.Result result = RowClosure.compute(c, catalog, keys, selection);
      assertThat(c.getAutoCommit()).isTrue();
      return result;
    }
  }

  static RowClosure.Result closure(TestDatabase db, String... where) throws SQLException {
    return closure(db, List.of("public"), List.of(where), List.of(), null);
  }

  /**
   * What the server's own cascade does to a scratch copy of {@code db} when {@code delete} runs
   * there with every NO ACTION / RESTRICT key made CASCADE: per table {deleted, updated}.
   */
  static Map<String, List<Long>> cascade(TestDatabase db, String delete) {
    Map<String, List<String>> before = db.snapshot();
    // a partition's rows are its root's
    before
        .keySet()
        .removeAll(
            db.queryStrings(
                "SELECT n.nspname || '.' || c.relname FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relispartition"));
    Map<String, List<String>> after = CascadeOracle.after(db, delete).snapshot();
    Map<String, List<Long>> out = new TreeMap<>();
    before.forEach(
        (table, rows) -> {
          List<String> now = after.get(table);
          Map<String, Integer> was = new HashMap<>();
          rows.forEach(r -> was.merge(r, 1, Integer::sum));
          long updated = 0;
          for (String r : now) {
            if (was.getOrDefault(r, 0) > 0) {
              was.merge(r, -1, Integer::sum);
            } else {
              updated++;
            }
          }
          long deleted = rows.size() - now.size();
          if (deleted > 0 || updated > 0) {
            out.put(table, List.of(deleted, updated));
          }
        });
    return out;
  }

  static TableName t(String name) {
    return new TableName("public", name);
  }

  @Test
  void pmAgentOneProjectMatchesTheDatabasesCascade() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    // review_queue -> raw_notes is NO ACTION: rows pointing at the project's notes from outside
    // its entities must go too; an entity of another project pointing at one of its epics
    // (SET NULL) is updated
    db.exec(
        "INSERT INTO review_queue (entity_id, raw_note_id, reason)"
            + " SELECT NULL, id, 'orphan' FROM raw_notes WHERE project_id = 1 ORDER BY id LIMIT 3",
        "INSERT INTO review_queue (entity_id, raw_note_id, reason)"
            + " SELECT (SELECT min(id) FROM entities WHERE project_id = 2), min(id), 'cross'"
            + " FROM raw_notes WHERE project_id = 1",
        "UPDATE entities SET epic_id = (SELECT min(id) FROM epics WHERE project_id = 1)"
            + " WHERE id IN (SELECT id FROM entities WHERE project_id = 2 ORDER BY id LIMIT 5)");

    RowClosure.Result result = closure(db, "projects: id = 1");

    Map<String, List<Long>> expected = cascade(db, "DELETE FROM projects WHERE id = 1");
    assertThat(counts(result)).isEqualTo(expected);
    assertThat(expected.get("public.entities").get(0)).isEqualTo(250L);
    assertThat(expected.get("public.entities").get(1)).isGreaterThanOrEqualTo(5L);
    // the cross-project review_queue row (its entity is in project 2) is deleted through raw_notes
    assertThat(result.table(t("review_queue")).orElseThrow().path())
        .extracting(ClosureEdge::name)
        .isNotEmpty();
    RowClosure.Reached tags = result.table(t("tags")).orElseThrow();
    assertThat(tags.path())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.parent()).isEqualTo(t("projects"));
              assertThat(e.action()).isEqualTo(KeyDetails.Action.CASCADE);
            });
    assertThat(tags.pathDisplay())
        .isEqualTo(
            "public.projects -> public.tags by public.tags(project_id) -> public.projects(id)"
                + " (tags_project_id_fkey, ON DELETE CASCADE)");
    assertThat(result.table(t("projects")).orElseThrow().selected()).isTrue();
    assertThat(result.table(t("users"))).isEmpty();
  }

  @Test
  void fillLeavesTheKeySetInTheCallersTransactionAndRecomputesOnASecondCall() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    try (Connection c = db.connect()) {
      Catalog catalog = CatalogReader.read(c, List.of("public"));
      KeyDetails keys = KeyDetails.read(c);
      RowSelection selection =
          RowSelection.resolve(catalog, keys, List.of("projects: id = 1"), List.of(), null);
      c.setAutoCommit(false);
      RowClosure.Result first = RowClosure.fill(c, catalog, keys, selection);
      long tags = first.table(t("tags")).orElseThrow().deleteRows();
      assertThat(tags).isPositive();
      assertThat(countWhere(c, "tags", first.rowsCondition(t("tags"), true))).isEqualTo(tags);
      assertThat(countWhere(c, "tags", first.rowsCondition(t("tags"), false))).isZero();
      assertThat(countWhere(c, "tags", first.rowsCondition(t("no_such_table"), true))).isZero();
      // a tag added in the same transaction is found by the second computation
      try (Statement st = c.createStatement()) {
        st.execute("INSERT INTO tags (project_id, name) VALUES (1, 'added-between')");
      }
      RowClosure.Result second = RowClosure.fill(c, catalog, keys, selection);
      assertThat(countWhere(c, "tags", second.rowsCondition(t("tags"), true))).isEqualTo(tags + 1);
      c.rollback();
    }
  }

  @Test
  void selectionUnchangedFailsForANewlySelectedRowOrARowNoLongerSelected() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(3);
    try (Connection c = db.connect()) {
      Catalog catalog = CatalogReader.read(c, List.of("public"));
      KeyDetails keys = KeyDetails.read(c);
      RowSelection selection =
          RowSelection.resolve(
              catalog, keys, List.of("projects: id = 1 OR name = 'later'"), List.of(), null);
      c.setAutoCommit(false);
      RowClosure.Result first = RowClosure.fill(c, catalog, keys, selection);
      assertThat(RowClosure.selectionUnchanged(c, catalog, keys, selection, first)).isTrue();
      try (Statement st = c.createStatement()) {
        st.execute("SAVEPOINT s");
        // a child is not the selection's business (the rows are locked as they are found)
        st.execute(
            "INSERT INTO entity_events (entity_id, event_type)"
                + " SELECT min(id), 'added-between' FROM entities WHERE project_id = 1");
        assertThat(RowClosure.selectionUnchanged(c, catalog, keys, selection, first)).isTrue();
        // a row the condition selects now
        st.execute("UPDATE projects SET name = 'later' WHERE id = 2");
        assertThat(RowClosure.selectionUnchanged(c, catalog, keys, selection, first)).isFalse();
        st.execute("ROLLBACK TO SAVEPOINT s");
        // a row of the key set (unchanged) that the condition no longer selects
        st.execute("CREATE TEMPORARY TABLE pdr_sel AS SELECT 1 AS id");
        RowSelection bySubquery =
            RowSelection.resolve(
                catalog,
                keys,
                List.of("projects: id IN (SELECT id FROM pdr_sel)"),
                List.of(),
                null);
        RowClosure.Result sub = RowClosure.fill(c, catalog, keys, bySubquery);
        assertThat(RowClosure.selectionUnchanged(c, catalog, keys, bySubquery, sub)).isTrue();
        st.execute("DELETE FROM pdr_sel");
        assertThat(RowClosure.selectionUnchanged(c, catalog, keys, bySubquery, sub)).isFalse();
      }
      c.rollback();
    }
  }

  private static long countWhere(Connection c, String table, String condition) throws SQLException {
    try (Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM " + table + " WHERE " + condition)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void pmAgentOneUsersProjectsMatchesTheDatabasesCascade() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(5);
    String owner = db.queryStrings("SELECT owner_id FROM projects ORDER BY id LIMIT 1").get(0);
    // entity_relationships crosses projects: entity n relates to n + 1
    RowClosure.Result result = closure(db, "projects: owner_id = '" + owner + "'");

    assertThat(counts(result))
        .isEqualTo(cascade(db, "DELETE FROM projects WHERE owner_id = '" + owner + "'"));
    assertThat(result.table(t("projects")).orElseThrow().deleteRows())
        .isEqualTo(db.queryLong("SELECT count(*) FROM projects WHERE owner_id = '" + owner + "'"));
  }

  @Test
  void pagilaOneCustomerAndEverythingThatReferencesThem() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase().loadPagila();

    RowClosure.Result result = closure(db, "customer: customer_id = 1");

    Map<String, List<Long>> expected = cascade(db, "DELETE FROM customer WHERE customer_id = 1");
    assertThat(counts(result)).isEqualTo(expected);
    // payment is partitioned, its keys declared on each partition but the last: the rows of
    // payment_p2022_07 reference nothing
    assertThat(result.table(t("payment")).orElseThrow().deleteRows())
        .isEqualTo(
            db.queryLong(
                "SELECT count(*) FROM payment WHERE customer_id = 1 AND tableoid IN"
                    + " (SELECT conrelid FROM pg_constraint"
                    + " WHERE conname LIKE 'payment\\_p%\\_customer\\_id\\_fkey')"))
        .isPositive()
        .isLessThan(db.queryLong("SELECT count(*) FROM payment WHERE customer_id = 1"));
    assertThat(result.table(t("rental")).orElseThrow().deleteRows())
        .isEqualTo(db.queryLong("SELECT count(*) FROM rental WHERE customer_id = 1"));
    assertThat(result.table(t("customer")).orElseThrow().deleteRows()).isEqualTo(1);
  }

  @Test
  void cyclesSelfReferencesCompositeKeysSetNullPartitionsAndSchemas() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SubsetShapes.SHAPES);

    RowClosure.Result result = closure(db, "country: id = 1");

    Map<String, List<Long>> expected = cascade(db, "DELETE FROM country WHERE id = 1");
    assertThat(counts(result)).isEqualTo(expected);
    assertThat(expected)
        .containsEntry("public.country", List.of(2L, 0L))
        .containsEntry("public.city", List.of(4L, 0L))
        .containsEntry("public.person", List.of(3L, 2L))
        .containsEntry("public.address", List.of(1L, 0L))
        .containsEntry("public.trip", List.of(3L, 0L))
        .containsEntry("other.note", List.of(2L, 0L));
    assertThat(result.table(t("country")).orElseThrow().selected()).isTrue();
    // reached again through the cycle, still the selected table
    assertThat(result.table(t("country")).orElseThrow().path()).isEmpty();
    assertThat(result.table(new TableName("other", "note")).orElseThrow().path())
        .extracting(e -> e.child().display())
        .containsExactly("public.person", "other.note");
    assertThat(result.levels()).isGreaterThan(3);
    // what a refusal to touch kept tables would name, and how they are reached
    assertThat(
            result.touched(
                List.of(new TableName("other", "note"), t("tenants"), t("district"), t("country"))))
        .extracting(RowClosure.Reached::pathDisplay)
        .containsExactly(
            "public.country -> public.person by public.person(country_id) -> public.country(id)"
                + " (person_country_id_fkey, ON DELETE CASCADE) -> other.note by"
                + " other.note(person_id) -> public.person(id) (note_person_id_fkey, ON DELETE NO"
                + " ACTION)",
            "public.country (selected by --where)",
            "public.country -> public.district by public.district(country_id) ->"
                + " public.country(id) (district_country_id_fkey, ON DELETE CASCADE)");
  }

  @Test
  void aDeepSelfReferenceIsFollowedToItsEnd() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    // a chain of 400 rows (each the child of the one before) and a wide tree beside it whose rows
    // point at the chain through a SET NULL key, with no index on the referencing columns
    db.exec(
        "CREATE TABLE node (id int PRIMARY KEY, parent_id int REFERENCES node(id) ON DELETE CASCADE,"
            + " other_parent int REFERENCES node(id) ON DELETE SET NULL)",
        "INSERT INTO node SELECT g, nullif(g - 1, 0), NULL FROM generate_series(1, 400) g",
        "INSERT INTO node SELECT 1000 + g, nullif(1000 + g / 10, 1000 + g), 1 + g % 400"
            + " FROM generate_series(0, 5000) g",
        "ANALYZE node");

    RowClosure.Result chain = closure(db, "node: id = 1");
    RowClosure.Result tree = closure(db, "node: id = 1000");

    assertThat(counts(chain)).isEqualTo(cascade(db, "DELETE FROM node WHERE id = 1"));
    assertThat(counts(chain)).containsEntry("public.node", List.of(400L, 5001L));
    assertThat(chain.levels()).isEqualTo(400);
    assertThat(counts(tree)).containsEntry("public.node", List.of(5001L, 0L));
  }

  /**
   * A child reached through two keys at the same level ({@code c} from {@code a}, then from {@code
   * b}): the second statement leaves out the rows the first one added, and must be planned knowing
   * how many there are. Planned on statistics from before them, it compared each new row with all
   * of them (PM Agent at scale 1000: 16 s instead of 0.1 s for {@code entity_sources}).
   */
  @Test
  void aSecondKeyIntoAChildIsPlannedWithTheFirstOnesRowsCounted() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE root (id int PRIMARY KEY)",
        "CREATE TABLE a (id int PRIMARY KEY, root_id int NOT NULL REFERENCES root ON DELETE CASCADE)",
        "CREATE TABLE b (id int PRIMARY KEY, root_id int NOT NULL REFERENCES root ON DELETE CASCADE)",
        "CREATE TABLE c (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a ON DELETE CASCADE,"
            + " b_id int NOT NULL REFERENCES b ON DELETE CASCADE)",
        // so that c is not a leaf (whose rows are only counted, not put in the key set)
        "CREATE TABLE d (id int PRIMARY KEY, c_id int REFERENCES c)",
        "INSERT INTO root VALUES (1), (2)",
        "INSERT INTO a VALUES (1, 1), (2, 2)",
        "INSERT INTO b VALUES (1, 1), (2, 2)",
        "INSERT INTO c SELECT g, 1 + g % 2, 1 + g % 2 FROM generate_series(1, 10000) g",
        "ANALYZE");
    List<Long> estimates = new java.util.ArrayList<>();
    try (Connection c = db.connect()) {
      RowClosure.Result result =
          fillLocking(
              c,
              List.of("root: id = 1"),
              (table, candidates, statement) -> {
                if (table.equals(t("c"))) {
                  estimates.add(plannedRowsOf(c, "public.c"));
                }
                return statement.run();
              });
      assertThat(result.table(t("c")).orElseThrow().deleteRows()).isEqualTo(5000);
      c.rollback();
    }
    // before the first key's statement c has no rows there; before the second, 5,000
    assertThat(estimates).hasSize(2);
    assertThat(estimates.get(1)).isGreaterThan(2500);
  }

  @Test
  void aLeafIsCountedAndLockedOutsideTheKeySetAndItsConditionSelectsExactlyItsRows()
      throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE root (id int PRIMARY KEY)",
        "CREATE TABLE mid (id int PRIMARY KEY, root_id int NOT NULL REFERENCES root ON DELETE"
            + " CASCADE)",
        // a leaf through two keys (one NO ACTION, one composite), a leaf without a primary key,
        // and a table that would be one but for its trigger
        "CREATE TABLE pair (a int, b int, PRIMARY KEY (a, b))",
        "CREATE TABLE leaf (id int PRIMARY KEY, mid_id int REFERENCES mid ON DELETE CASCADE,"
            + " root_id int REFERENCES root, a int, b int,"
            + " FOREIGN KEY (a, b) REFERENCES pair ON DELETE CASCADE)",
        "CREATE TABLE note (mid_id int REFERENCES mid ON DELETE CASCADE, body text)",
        "CREATE TABLE logged (id int PRIMARY KEY, mid_id int REFERENCES mid ON DELETE CASCADE)",
        "CREATE FUNCTION nothing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
        "CREATE TRIGGER nothing BEFORE DELETE ON logged FOR EACH ROW EXECUTE FUNCTION nothing()",
        "INSERT INTO root SELECT g FROM generate_series(1, 3) g",
        "INSERT INTO mid SELECT g, 1 + g % 3 FROM generate_series(1, 30) g",
        "INSERT INTO pair VALUES (1, 1), (1, 2)",
        // rows through one key, the other, both, neither; a NULL key column references nothing
        "INSERT INTO leaf SELECT g, g, 1 + (g / 7) % 3, NULL, NULL FROM generate_series(1, 30) g",
        "INSERT INTO leaf VALUES (31, NULL, NULL, 1, 1), (32, NULL, 2, 1, 2), (33, 3, NULL, 1, 1)",
        "INSERT INTO note SELECT 1 + g % 30, 'n' || g FROM generate_series(1, 60) g",
        "INSERT INTO note VALUES (3, 'n1')",
        "INSERT INTO logged SELECT g, g FROM generate_series(1, 30) g");
    String select = "DELETE FROM root WHERE id = 1; DELETE FROM pair WHERE (a, b) = (1, 1)";
    Map<String, List<Long>> expected = cascade(db, select);
    List<String> locked = new java.util.ArrayList<>();
    try (Connection c = db.connect();
        Connection other = db.connect()) {
      RowClosure.Result result =
          fillLocking(
              c,
              List.of("root: id = 1", "pair: a = 1 AND b = 1"),
              (table, candidates, statement) -> {
                locked.add(table.name());
                return statement.run();
              });
      assertThat(counts(result)).isEqualTo(expected);
      assertThat(List.of("leaf", "note")).allMatch(n -> result.leaf(t(n)));
      assertThat(List.of("root", "mid", "pair", "logged")).noneMatch(n -> result.leaf(t(n)));
      // a leaf is locked once, after its parents, and has no rows in the key set
      assertThat(locked).containsOnlyOnce("leaf", "note");
      assertThat(locked.indexOf("leaf")).isGreaterThan(locked.lastIndexOf("mid"));
      for (String leaf : List.of("leaf", "note")) {
        String inKeySet =
            "SELECT count(*) FROM "
                + RowClosure.ROWS
                + " WHERE toid = 'public."
                + leaf
                + "'::regclass";
        assertThat(count(c, inKeySet)).isZero();
        // its condition selects exactly the rows the cascade deletes, each once
        String selected =
            "SELECT count(*) FROM ONLY public."
                + leaf
                + " WHERE "
                + result.rowsCondition(t(leaf), true);
        assertThat(count(c, selected)).isEqualTo(expected.get("public." + leaf).get(0));
        assertThat(result.rowsCondition(t(leaf), false)).isEqualTo("false");
      }
      // the leaf's rows in the closure are locked; its other rows are not
      try (Statement st = other.createStatement()) {
        st.execute("SET lock_timeout = '100ms'");
        assertThatThrownBy(() -> st.execute("SELECT 1 FROM leaf WHERE id = 33 FOR UPDATE"))
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("lock timeout");
        assertThat(st.execute("SELECT 1 FROM leaf WHERE id = 32 FOR UPDATE")).isTrue();
      }
      c.rollback();
    }
  }

  /** {@link RowClosure#fill} with {@code locking}, in a transaction begun on {@code c}. */
  private static RowClosure.Result fillLocking(
      Connection c, List<String> where, RowClosure.Locking locking) throws SQLException {
    Catalog catalog = CatalogReader.read(c, List.of("public"));
    KeyDetails keys = KeyDetails.read(c);
    RowSelection selection = RowSelection.resolve(catalog, keys, where, List.of(), null);
    c.setAutoCommit(false);
    return RowClosure.fill(c, catalog, keys, selection, locking);
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The planner's count of {@code table}'s rows in the key set now (0: none there). */
  private static long plannedRowsOf(Connection c, String table) throws SQLException {
    try (Statement st = c.createStatement();
        java.sql.ResultSet rs =
            st.executeQuery(
                "SELECT rel FROM "
                    + RowClosure.ROWS
                    + " WHERE toid = '"
                    + table
                    + "'::regclass LIMIT 1")) {
      if (!rs.next()) {
        return 0;
      }
      try (java.sql.ResultSet plan =
          st.executeQuery(
              "EXPLAIN (FORMAT JSON) SELECT 1 FROM "
                  + RowClosure.ROWS
                  + " WHERE rel = "
                  + rs.getInt(1)
                  + " AND kind = 'd'")) {
        plan.next();
        return new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(plan.getString(1))
            .path(0)
            .path("Plan")
            .path("Plan Rows")
            .asLong();
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  void aRoleThatCannotCreateTemporaryTablesIsToldWhy() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        SubsetShapes.SHAPES,
        "REVOKE TEMPORARY ON DATABASE "
            + TestDatabase.quote(db.name())
            + " FROM PUBLIC, "
            + TestPostgres.PASSWORD_ROLE,
        "GRANT SELECT ON ALL TABLES IN SCHEMA public, other TO " + TestPostgres.PASSWORD_ROLE,
        "GRANT USAGE ON SCHEMA other TO " + TestPostgres.PASSWORD_ROLE);
    java.util.Properties login = new java.util.Properties();
    login.setProperty("user", TestPostgres.PASSWORD_ROLE);
    login.setProperty("password", TestPostgres.PASSWORD);
    try (Connection c =
        java.sql.DriverManager.getConnection(
            "jdbc:postgresql://localhost:" + db.port() + "/" + db.name() + "?sslmode=disable",
            login)) {
      Catalog catalog = CatalogReader.read(c, List.of("public"));
      KeyDetails keys = KeyDetails.read(c);
      RowSelection selection =
          RowSelection.resolve(catalog, keys, List.of("country: id = 1"), List.of(), null);
      assertThatThrownBy(() -> RowClosure.compute(c, catalog, keys, selection))
          .isInstanceOfSatisfying(
              ExitException.class,
              e -> {
                assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
                assertThat(e.getMessage())
                    .contains("permission denied to create temporary tables")
                    .contains("nothing was changed")
                    .contains("TEMPORARY privilege");
              });
      assertThat(c.getAutoCommit()).isTrue();
    }
  }

  @Test
  void aSelectionOfNoRowsReachesNothing() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SubsetShapes.SHAPES);

    RowClosure.Result result = closure(db, "country: id = 99", "city: name = 'none'");

    assertThat(counts(result)).isEmpty();
    assertThat(result.tables())
        .extracting(RowClosure.Reached::table)
        .containsExactly(t("city"), t("country"));
  }

  static final List<String> TENANT_TABLES =
      List.of("users", "projects", "invoices", "invoice_lines", "events", "settings");

  @Test
  void withTheTenantKeyEveryRowOfTheTenantIsReachedAndNoOther() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SubsetShapes.TENANTS);

    RowClosure.Result result =
        closure(
            db,
            List.of("public"),
            // the table's own name qualifies its columns; the closure runs in one read-only
            // REPEATABLE READ transaction
            List.of(
                "tenants: tenants.id = 2"
                    + " AND current_setting('transaction_isolation') = 'repeatable read'"
                    + " AND current_setting('transaction_read_only') = 'on'"),
            List.of(),
            "tenant_id");

    Map<String, List<Long>> expected = new TreeMap<>();
    expected.put("public.tenants", List.of(1L, 0L));
    for (String table : TENANT_TABLES) {
      long rows = db.queryLong("SELECT count(*) FROM " + table + " WHERE tenant_id = 2");
      assertThat(rows).as(table).isPositive();
      expected.put("public." + table, List.of(rows, 0L));
    }
    assertThat(counts(result)).isEqualTo(expected);
    assertThat(result.undeclared()).isEmpty();
    assertThat(result.table(t("invoices")).orElseThrow().path())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.virtual()).isTrue();
              assertThat(e.display())
                  .isEqualTo(
                      "public.invoices(tenant_id) -> public.tenants(id) (virtual, --tenant-key"
                          + " tenant_id)");
            });
  }

  @Test
  void withoutTheTenantKeyTheUndeclaredColumnsAreNamedWithTheirRows() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(SubsetShapes.TENANTS);

    RowClosure.Result result = closure(db, "tenants: id = 2");

    assertThat(counts(result).keySet())
        .containsExactly("public.projects", "public.tenants", "public.users");
    List<String> found =
        result.undeclared().stream()
            .map(
                u ->
                    u.child().name()
                        + "."
                        + u.column()
                        + " "
                        + u.matchingRows()
                        + "/"
                        + u.alreadyDeleted()
                        + " "
                        + u.referenceOption())
            .toList();
    long events = db.queryLong("SELECT count(*) FROM events WHERE tenant_id = 2");
    long eventsOfProjects =
        db.queryLong(
            "SELECT count(*) FROM events WHERE project_id IN"
                + " (SELECT id FROM projects WHERE tenant_id = 2)");
    assertThat(found)
        .containsExactly(
            "events.project_id "
                + eventsOfProjects
                + "/0 --reference 'public.events(project_id) -> public.projects(id)'",
            "events.tenant_id "
                + events
                + "/0 --reference 'public.events(tenant_id) -> public.tenants(id)'",
            "invoice_lines.tenant_id "
                + db.queryLong("SELECT count(*) FROM invoice_lines WHERE tenant_id = 2")
                + "/0 --reference 'public.invoice_lines(tenant_id) -> public.tenants(id)'",
            "invoices.tenant_id "
                + db.queryLong("SELECT count(*) FROM invoices WHERE tenant_id = 2")
                + "/0 --reference 'public.invoices(tenant_id) -> public.tenants(id)'",
            "settings.tenant_id 1/0 --reference 'public.settings(tenant_id) -> public.tenants(id)'");

    // the suggested references, given, reach the same rows as the tenant key
    List<String> references =
        result.undeclared().stream()
            .map(u -> u.referenceOption().replaceAll("^--reference '(.*)'$", "$1"))
            .toList();
    RowClosure.Result followed =
        closure(db, List.of("public"), List.of("tenants: id = 2"), references, null);
    assertThat(counts(followed))
        .isEqualTo(
            counts(
                closure(
                    db, List.of("public"), List.of("tenants: id = 2"), List.of(), "tenant_id")));
    assertThat(followed.undeclared()).isEmpty();
  }

  @Test
  void aConditionThatWritesIsRefusedByTheReadOnlyTransaction() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        SubsetShapes.SHAPES,
        "CREATE TABLE log (n int)",
        "CREATE FUNCTION bump() RETURNS boolean LANGUAGE sql AS"
            + " 'INSERT INTO log VALUES (1) RETURNING true'");

    assertThatThrownBy(() -> closure(db, "country: bump()"))
        .isInstanceOfSatisfying(
            ExitException.class,
            e -> {
              assertThat(e.status()).isEqualTo(ExitStatus.USAGE);
              assertThat(e.getMessage())
                  .contains("read-only transaction")
                  .contains("nothing was changed");
            });
    assertThat(db.count("log")).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'pdr_closure_rows'"))
        .isZero();
  }
}

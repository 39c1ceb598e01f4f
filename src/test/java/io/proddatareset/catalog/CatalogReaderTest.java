package io.proddatareset.catalog;

import static io.proddatareset.catalog.OrderAssertions.assertLeafFirst;
import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The catalog of real schemas on the embedded server, read through the public API. */
public class CatalogReaderTest {
  /** Cycles, self-reference, composite and cross-schema keys, partitions, odd names. */
  public static final String FEATURES =
      """
      CREATE SCHEMA app;
      CREATE SCHEMA other;
      CREATE TABLE public.base (id int PRIMARY KEY, note text);
      CREATE TABLE app."Audit Log" (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        base_id int REFERENCES public.base(id),
        amount int,
        doubled int GENERATED ALWAYS AS (amount * 2) STORED);
      CREATE TABLE public.a (id int PRIMARY KEY, b_id int);
      CREATE TABLE public.b (id int PRIMARY KEY, a_id int REFERENCES public.a(id)
        DEFERRABLE INITIALLY DEFERRED);
      ALTER TABLE public.a ADD CONSTRAINT a_b_fkey FOREIGN KEY (b_id) REFERENCES public.b(id);
      CREATE TABLE public.node (id int PRIMARY KEY, parent_id int REFERENCES public.node(id));
      CREATE TABLE public.pair_parent (x int, y int, PRIMARY KEY (x, y));
      CREATE TABLE public.pair_child (cy int, cx int,
        CONSTRAINT pair_fk FOREIGN KEY (cy, cx) REFERENCES public.pair_parent (y, x));
      CREATE SEQUENCE public.shared_seq;
      CREATE TABLE public.uses_seq (id int DEFAULT nextval('public.shared_seq'), name text);
      CREATE FUNCTION public.noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
      CREATE TRIGGER base_truncate AFTER TRUNCATE ON public.base
        FOR EACH STATEMENT EXECUTE FUNCTION public.noop();
      CREATE TRIGGER node_update AFTER UPDATE ON public.node
        FOR EACH ROW EXECUTE FUNCTION public.noop();
      CREATE VIEW public.base_view AS SELECT id FROM public.base;
      CREATE MATERIALIZED VIEW other.base_count AS SELECT count(*) AS n FROM public.base_view;
      CREATE PUBLICATION node_pub FOR TABLE public.node;
      CREATE TABLE public.events (id int, at date NOT NULL, node_id int) PARTITION BY RANGE (at);
      CREATE TABLE public.events_2024 PARTITION OF public.events
        FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE app.events_2025 PARTITION OF public.events
        FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      ALTER TABLE public.events_2024 ADD CONSTRAINT ev24_node_fkey
        FOREIGN KEY (node_id) REFERENCES public.node(id);
      CREATE TABLE other.ref (base_id int REFERENCES public.base(id));
      INSERT INTO public.base SELECT g, 'n' FROM generate_series(1, 50) g;
      INSERT INTO public.events VALUES (1, '2024-05-01', NULL), (2, '2025-05-01', NULL);
      ANALYZE;
      """;

  static TestDatabase db;
  static Catalog catalog;

  @BeforeAll
  static void load() throws SQLException {
    db = TestPostgres.freshDatabase();
    db.exec(FEATURES);
    try (Connection c = db.connect()) {
      catalog = CatalogReader.read(c, List.of("public", "app"));
    }
  }

  private static TableName t(String schema, String name) {
    return new TableName(schema, name);
  }

  private static Table table(String schema, String name) {
    return catalog.table(t(schema, name)).orElseThrow();
  }

  private static ForeignKey key(String name) {
    return catalog.foreignKeys().stream()
        .filter(fk -> fk.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no foreign key " + name));
  }

  @Test
  void serverFacts() {
    assertThat(catalog.database()).isEqualTo(db.name());
    assertThat(catalog.serverVersionNum()).isGreaterThanOrEqualTo(130000);
    assertThat(catalog.serverVersionNum() / 10000).isEqualTo(TestPostgres.majorVersion());
    assertThat(catalog.systemIdentifier()).matches("[0-9]{10,}");
    assertThat(catalog.hotStandby()).isFalse();
    assertThat(catalog.currentUser()).isEqualTo("postgres");
    assertThat(catalog.schemas()).containsExactly("public", "app");
    assertThat(catalog.availableSchemas()).contains("app", "other", "public");
  }

  @Test
  void rootTablesOnlyWithPartitionsUnderTheirRoot() {
    assertThat(catalog.tableNames())
        .containsExactly(
            t("app", "Audit Log"),
            t("public", "a"),
            t("public", "b"),
            t("public", "base"),
            t("public", "events"),
            t("public", "node"),
            t("public", "pair_child"),
            t("public", "pair_parent"),
            t("public", "uses_seq"));
    Table events = table("public", "events");
    assertThat(events.partitioned()).isTrue();
    assertThat(events.partitions())
        .containsExactly(t("app", "events_2025"), t("public", "events_2024"));
    assertThat(events.sizeBytes()).isPositive();
    assertThat(events.estimatedRows()).isEqualTo(2);
    assertThat(table("public", "base").estimatedRows()).isEqualTo(50);
    assertThat(table("public", "base").owner()).isEqualTo("postgres");
    assertThat(table("public", "base").canTruncate()).isTrue();
  }

  @Test
  void columnsWithGeneratedAndIdentity() {
    Table audit = table("app", "Audit Log");
    assertThat(audit.columns())
        .extracting(Column::name)
        .containsExactly("id", "base_id", "amount", "doubled");
    assertThat(audit.columns().get(0).identity()).isEqualTo("a");
    assertThat(audit.columns().get(3).generated()).isTrue();
    assertThat(audit.columns().get(3).defaultExpression()).isNull();
    assertThat(audit.storedColumns())
        .extracting(Column::name)
        .containsExactly("id", "base_id", "amount");
    assertThat(audit.columns().get(1).type()).isEqualTo("integer");
  }

  @Test
  void foreignKeys() {
    ForeignKey composite = key("pair_fk");
    assertThat(composite.childColumns()).containsExactly("cy", "cx");
    assertThat(composite.parentColumns()).containsExactly("y", "x");

    ForeignKey deferred = key("b_a_id_fkey");
    assertThat(deferred.deferrable()).isTrue();
    assertThat(deferred.initiallyDeferred()).isTrue();

    assertThat(key("node_parent_id_fkey").selfReference()).isTrue();

    ForeignKey cross = key("Audit Log_base_id_fkey");
    assertThat(cross.child()).isEqualTo(t("app", "Audit Log"));
    assertThat(cross.parent()).isEqualTo(t("public", "base"));

    ForeignKey onPartition = key("ev24_node_fkey");
    assertThat(onPartition.child()).isEqualTo(t("public", "events"));
    assertThat(onPartition.declaredOn()).isEqualTo(t("public", "events_2024"));
    assertThat(onPartition.definition()).contains("REFERENCES node(id)");

    // a child outside the schemas in scope is still listed when its parent is in scope
    ForeignKey outside = key("ref_base_id_fkey");
    assertThat(outside.child()).isEqualTo(t("other", "ref"));
    assertThat(catalog.foreignKeysTo(t("public", "base")))
        .extracting(ForeignKey::name)
        .containsExactlyInAnyOrder("Audit Log_base_id_fkey", "ref_base_id_fkey");
  }

  @Test
  void sequencesOwnedAndUsedInDefaults() {
    assertThat(table("public", "uses_seq").sequences())
        .containsExactly(new SequenceRef("public", "shared_seq", "id", false));
    assertThat(table("app", "Audit Log").sequences())
        .containsExactly(new SequenceRef("app", "Audit Log_id_seq", "id", true));
  }

  @Test
  void triggersPublicationsAndMaterializedViews() {
    assertThat(table("public", "base").triggers())
        .containsExactly(
            new Trigger(
                "base_truncate",
                true,
                false,
                false,
                true,
                "noop",
                "O",
                false,
                "plpgsql",
                "BEGIN RETURN NULL; END",
                List.of()));
    assertThat(table("public", "base").firingTruncateTriggers()).isNotEmpty();
    assertThat(table("public", "base").firingTruncateTriggers())
        .extracting(Trigger::name)
        .containsExactly("base_truncate");
    assertThat(table("public", "node").triggers())
        .extracting(Trigger::onTruncate)
        .containsExactly(false);
    assertThat(table("public", "node").triggers())
        .extracting(t -> t.onDelete() + " " + t.onUpdate())
        .containsExactly("false true");
    assertThat(table("public", "node").firingTruncateTriggers()).isEmpty();
    assertThat(table("public", "node").publications()).containsExactly("node_pub");
    assertThat(table("public", "base").publications()).isEmpty();
    assertThat(catalog.materializedViews())
        .containsExactly(
            new MaterializedView(t("other", "base_count"), true, List.of(t("public", "base"))));
  }

  @Test
  void viewsMaterializedViewsSequencesAndPartitionsAreKnownForWhatTheyAre() {
    assertThat(catalog.otherRelations())
        .containsExactly(
            new OtherRelation(t("app", "Audit Log_id_seq"), OtherRelation.Kind.SEQUENCE, null),
            new OtherRelation(
                t("app", "events_2025"), OtherRelation.Kind.PARTITION, t("public", "events")),
            new OtherRelation(t("public", "base_view"), OtherRelation.Kind.VIEW, null),
            new OtherRelation(
                t("public", "events_2024"), OtherRelation.Kind.PARTITION, t("public", "events")),
            new OtherRelation(t("public", "shared_seq"), OtherRelation.Kind.SEQUENCE, null));
    // other.base_count is a materialized view outside the schemas in scope
    assertThat(catalog.otherRelations()).noneMatch(o -> o.name().schema().equals("other"));
  }

  /**
   * Which ON TRUNCATE triggers fire follows tgenabled and session_replication_role, as the server
   * decides: O (origin) and A (always) fire in a normal session, R (replica) and A in replica mode,
   * D never.
   */
  @Test
  void firingTruncateTriggersFollowTheEnabledStateAndTheReplicationRole() throws SQLException {
    TestDatabase d = TestPostgres.freshDatabase();
    d.exec(
        "CREATE TABLE t (id int)",
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$",
        "CREATE TRIGGER o_origin AFTER TRUNCATE ON t EXECUTE FUNCTION f()",
        "CREATE TRIGGER a_always BEFORE TRUNCATE ON t EXECUTE FUNCTION f('x', 'users')",
        "ALTER TABLE t ENABLE ALWAYS TRIGGER a_always",
        "CREATE TRIGGER r_replica AFTER TRUNCATE ON t EXECUTE FUNCTION f()",
        "ALTER TABLE t ENABLE REPLICA TRIGGER r_replica",
        "CREATE TRIGGER d_disabled AFTER TRUNCATE ON t EXECUTE FUNCTION f()",
        "ALTER TABLE t DISABLE TRIGGER d_disabled");
    Table origin;
    Table replica;
    try (Connection c = d.connect()) {
      origin = CatalogReader.read(c, List.of("public")).tables().get(0);
      try (Statement st = c.createStatement()) {
        st.execute("SET session_replication_role = replica");
      }
      replica = CatalogReader.read(c, List.of("public")).tables().get(0);
    }
    assertThat(origin.triggers())
        .extracting(Trigger::name, Trigger::state, Trigger::before)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a_always", "A", true),
            org.assertj.core.groups.Tuple.tuple("d_disabled", "D", false),
            org.assertj.core.groups.Tuple.tuple("o_origin", "O", false),
            org.assertj.core.groups.Tuple.tuple("r_replica", "R", false));
    assertThat(origin.triggers().get(0).arguments()).containsExactly("x", "users");
    assertThat(origin.firingTruncateTriggers())
        .extracting(Trigger::name)
        .containsExactly("a_always", "o_origin");
    assertThat(replica.firingTruncateTriggers())
        .extracting(Trigger::name)
        .containsExactly("a_always", "r_replica");
  }

  @Test
  void truncationOrderGroupsTheCycleAndTheSelfReference() {
    TruncationOrder order = TruncationOrder.leafFirst(ForeignKeyGraph.of(catalog));
    assertThat(order.tables()).containsExactlyInAnyOrderElementsOf(catalog.tableNames());
    assertLeafFirst(order, catalog.foreignKeys());
    assertThat(order.cycles())
        .extracting(TruncationOrder.Group::tables)
        .containsExactlyInAnyOrder(
            List.of(t("public", "a"), t("public", "b")), List.of(t("public", "node")));
    // the partitioned table references node through its partition's key
    assertThat(order.tables().indexOf(t("public", "events")))
        .isLessThan(order.tables().indexOf(t("public", "node")));
  }

  @Test
  void locksOfOtherSessionsAreReportedOnTheRootTable() throws SQLException {
    try (Connection other = db.connect();
        Statement st = other.createStatement();
        Connection reader = db.connect()) {
      other.setAutoCommit(false);
      st.execute("INSERT INTO public.events_2024 VALUES (9, '2024-02-02', NULL)");
      st.execute("LOCK TABLE public.uses_seq IN SHARE MODE");
      int pid = ((org.postgresql.PGConnection) other).getBackendPID();
      Catalog withLocks = CatalogReader.read(reader, List.of("public", "app"));
      assertThat(withLocks.locks())
          .filteredOn(l -> l.pid() == pid)
          .extracting(TableLock::table, TableLock::mode, TableLock::granted)
          .contains(
              org.assertj.core.groups.Tuple.tuple(t("public", "events"), "RowExclusiveLock", true),
              org.assertj.core.groups.Tuple.tuple(t("public", "uses_seq"), "ShareLock", true));
      assertThat(withLocks.locks()).noneMatch(l -> l.table().name().equals("base"));
      // the reader restored auto-commit and holds nothing afterwards
      assertThat(reader.getAutoCommit()).isTrue();
      other.rollback();
    }
  }

  @Test
  void pagilaPartitionsSequencesAndOrder() throws SQLException {
    TestDatabase pagila = TestPostgres.freshDatabase().loadPagilaSchemaOnly();
    Catalog c;
    try (Connection conn = pagila.connect()) {
      c = CatalogReader.read(conn, List.of("public"));
    }
    Table payment = c.table(t("public", "payment")).orElseThrow();
    assertThat(payment.partitioned()).isTrue();
    assertThat(payment.partitions()).hasSize(7);
    assertThat(c.tableNames()).noneMatch(n -> n.name().startsWith("payment_p"));
    assertThat(payment.sequences())
        .extracting(SequenceRef::name)
        .containsExactly("payment_payment_id_seq");
    // the keys are declared on the partitions and belong to payment
    assertThat(c.foreignKeysFrom(t("public", "payment")))
        .extracting(fk -> fk.parent().name())
        .contains("customer", "rental", "staff");
    assertThat(c.foreignKeysFrom(t("public", "payment")))
        .allMatch(fk -> fk.declaredOn().name().startsWith("payment_p"));
    assertThat(c.materializedViews())
        .anyMatch(v -> v.name().name().equals("rental_by_category") && !v.populated());
    TruncationOrder order = TruncationOrder.leafFirst(ForeignKeyGraph.of(c));
    assertLeafFirst(order, c.foreignKeys());
    assertThat(order.tables()).hasSize(c.tables().size());
    assertThat(order.tables().indexOf(t("public", "payment")))
        .isLessThan(order.tables().indexOf(t("public", "rental")));
  }

  @Test
  void chinookQuotedNamesAndSelfReference() throws SQLException {
    TestDatabase chinook = TestPostgres.freshDatabase().loadChinookQuoted();
    Catalog c;
    try (Connection conn = chinook.connect()) {
      c = CatalogReader.read(conn, List.of("public"));
    }
    assertThat(c.tableNames()).contains(t("public", "Genre"), t("public", "Employee"));
    assertThat(t("public", "Genre").display()).isEqualTo("public.\"Genre\"");
    TruncationOrder order = TruncationOrder.leafFirst(ForeignKeyGraph.of(c));
    assertLeafFirst(order, c.foreignKeys());
    assertThat(order.cycles())
        .extracting(TruncationOrder.Group::tables)
        .containsExactly(List.of(t("public", "Employee")));
  }
}

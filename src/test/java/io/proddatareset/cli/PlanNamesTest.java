package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Names that are not tables are told for what they are (a view, a materialized view, a partition of
 * a table), case twins are all listed, and wide names line up in the plan.
 */
class PlanNamesTest {
  static TestDatabase db;

  @BeforeAll
  static void createSchema() {
    db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE TABLE events (id int, at date NOT NULL) PARTITION BY RANGE (at)",
        "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO"
            + " ('2025-01-01')",
        "INSERT INTO events VALUES (1, '2024-03-01')",
        "CREATE VIEW v_events AS SELECT * FROM events",
        "CREATE MATERIALIZED VIEW mv_events AS SELECT count(*) AS n FROM events",
        "CREATE TABLE users (id int)",
        "CREATE TABLE \"Users\" (id int)",
        "CREATE SEQUENCE ticket_seq",
        "CREATE SCHEMA archive",
        "CREATE TABLE archive.old_events (id int, at date NOT NULL) PARTITION BY RANGE (at)",
        "CREATE TABLE events_2019 PARTITION OF archive.old_events FOR VALUES FROM"
            + " ('2019-01-01') TO ('2020-01-01')");
  }

  Cli.Result plan(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "plan";
    all[1] = db.url();
    System.arraycopy(args, 0, all, 2, args.length);
    return new Cli().run(all);
  }

  @Test
  void aViewIsSaidToBeAViewNotSuggestedAsItsTable() {
    Map<String, List<String>> before = db.snapshot();
    Cli.Result r = plan("--keep", "v_events");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .contains(
            "--keep v_events: public.v_events is a view, not a table: views hold no rows to reset.")
        .doesNotContain("did you mean");
    assertThat(db.snapshot()).isEqualTo(before);
  }

  @Test
  void aMaterializedViewIsSaidToBeOne() {
    Cli.Result r = plan("--reset", "mv_events");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "--reset mv_events: public.mv_events is a materialized view, not a table: a reset does"
                + " not empty it (REFRESH MATERIALIZED VIEW public.mv_events recomputes it from"
                + " its tables).")
        .doesNotContain("did you mean");
  }

  @Test
  void aPartitionNamesItsParent() {
    Cli.Result r = plan("--reset", "public.events_2024");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "--reset public.events_2024: public.events_2024 is a partition of public.events: name"
                + " public.events, whose reset covers all its partitions.");
    Cli.Result outside = plan("--keep", "events_2019");
    assertThat(outside.err())
        .contains(
            "--keep events_2019: public.events_2019 is a partition of archive.old_events: name"
                + " archive.old_events (add --schema archive), whose reset covers all its"
                + " partitions.");
  }

  @Test
  void aSequenceIsSaidToBeOne() {
    Cli.Result r = plan("--reset", "ticket_seq");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("public.ticket_seq is a sequence, not a table");
  }

  @Test
  void everyCaseTwinIsListed() {
    Cli.Result r = plan("--keep", "USERS");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "--keep USERS names no table in scope: did you mean \"Users\" or users? (names match"
                + " exactly, case included).");
    // the exact names still work
    assertThat(plan("--keep", "Users,users,events").exitCode()).isZero();
  }

  /**
   * Terminal columns as a test sees them: CJK ideographs and emoji two, combining marks none. A
   * deliberately small table for the names this test uses, independent of the code under test.
   */
  static int displayWidth(String s) {
    int w = 0;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.getType(cp) == Character.NON_SPACING_MARK) {
        continue;
      }
      boolean wide = (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x1F300 && cp <= 0x1F64F);
      w += wide ? 2 : 1;
    }
    return w;
  }

  @Test
  void wideNamesLineUpByDisplayWidth() {
    TestDatabase wide = TestPostgres.freshDatabase();
    List<String> names = List.of("表格", "日志表", "\uD83D\uDE00emoji", "cafe\u0301", "plain_table");
    for (String n : names) {
      wide.exec("CREATE TABLE " + TestDatabase.quote(n) + " (id int)");
      wide.exec("INSERT INTO " + TestDatabase.quote(n) + " VALUES (1)");
    }
    Cli.Result r = new Cli().run("plan", wide.url(), "--keep", "plain_table");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    List<String> lines = r.out().lines().toList();
    int header =
        lines.indexOf(
            lines.stream().filter(l -> l.startsWith("  ACTION")).findFirst().orElseThrow());
    List<String> rows = lines.subList(header + 1, header + 1 + names.size());
    String head = lines.get(header);
    int tableCol = displayWidth(head.substring(0, head.indexOf("TABLE")));
    int rowsEnd = displayWidth(head.substring(0, head.indexOf("ROWS") + 4));
    int whyCol = displayWidth(head.substring(0, head.indexOf("WHY")));
    for (String n : names) {
      String shown = io.proddatareset.pg.Identifiers.display(n);
      String row =
          rows.stream().filter(l -> l.contains("public." + shown + " ")).findFirst().orElseThrow();
      assertThat(displayWidth(row.substring(0, row.indexOf("public."))))
          .as("TABLE column of %s in%n%s", n, r.out())
          .isEqualTo(tableCol);
      int why = row.indexOf(n.equals("plain_table") ? "named in --keep" : "not named in --keep");
      assertThat(displayWidth(row.substring(0, why)))
          .as("WHY column of %s in%n%s", n, r.out())
          .isEqualTo(whyCol);
      int rowsCell = row.indexOf(" 1 ", row.indexOf("public.") + shown.length());
      assertThat(displayWidth(row.substring(0, rowsCell + 2)))
          .as("ROWS column of %s in%n%s", n, r.out())
          .isEqualTo(rowsEnd);
    }
  }

  @Test
  void schemaCountsOneTableAndOneForeignKey() {
    TestDatabase one = TestPostgres.freshDatabase();
    one.exec("CREATE TABLE node (id int PRIMARY KEY, parent int REFERENCES node (id))");
    Cli.Result r = new Cli().run("schema", one.url());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("(public): 1 table, 1 foreign key\n");
  }

  @Test
  void aTypoStillGetsTheClosestTable() {
    Cli.Result r = plan("--keep", "evnets");
    assertThat(r.err()).contains("--keep evnets names no table in scope: did you mean events?");
  }
}

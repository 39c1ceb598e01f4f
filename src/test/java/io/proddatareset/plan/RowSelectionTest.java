package io.proddatareset.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.QualifiedName;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reading --where, --reference and --tenant-key, and checking conditions on a real server. */
class RowSelectionTest {
  static TestDatabase db;
  static Catalog catalog;
  static KeyDetails keys;

  @BeforeAll
  static void schema() throws SQLException {
    db = TestPostgres.freshDatabase();
    db.exec(
        """
        CREATE SCHEMA app;
        CREATE TABLE users (id bigint PRIMARY KEY, email text, org_id bigint);
        CREATE TABLE orgs (id bigint PRIMARY KEY, name text);
        CREATE TABLE "odd:name" (id int PRIMARY KEY, note text);
        CREATE TABLE "Order Items" ("Line No" int, order_id bigint, org_id int);
        CREATE TABLE orders (id bigint, line int, PRIMARY KEY (id, line));
        CREATE TABLE app.users (id bigint PRIMARY KEY);
        CREATE TABLE sessions (user_id bigint, token text);
        CREATE TABLE logins (user_id bigint REFERENCES users(id));
        INSERT INTO users VALUES (1, 'a@test.com', 1), (2, 'b@real.com', 1);
        """);
    try (Connection c = db.connect()) {
      catalog = CatalogReader.read(c, List.of("public"));
      keys = KeyDetails.read(c);
    }
  }

  static RowSelection resolve(List<String> where, List<String> references, String tenantKey) {
    return RowSelection.resolve(catalog, keys, where, references, tenantKey);
  }

  static AbstractThrowableAssert<?, ? extends Throwable> assertUsage(Runnable r) {
    return assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(
            ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.USAGE));
  }

  @Test
  void whereSplitsAtTheFirstColonOutsideAQuotedName() {
    RowSelection.ParsedWhere plain =
        RowSelection.parseWhere("users: email LIKE '%:%' AND id::text = '1'");
    assertThat(plain.table()).isEqualTo(new QualifiedName(null, "users"));
    assertThat(plain.condition()).isEqualTo("email LIKE '%:%' AND id::text = '1'");
    RowSelection.ParsedWhere quoted = RowSelection.parseWhere("\"odd:name\": note = 'a:b'");
    assertThat(quoted.table()).isEqualTo(new QualifiedName(null, "odd:name"));
    assertThat(quoted.condition()).isEqualTo("note = 'a:b'");
    assertThat(RowSelection.parseWhere("app.users:id=1").table())
        .isEqualTo(new QualifiedName("app", "users"));

    RowSelection selection =
        resolve(List.of("\"odd:name\": note = 'a:b'", "users: id = 1"), List.of(), null);
    assertThat(selection.conditions())
        .extracting(RowSelection.Condition::table)
        .containsExactly(new TableName("public", "odd:name"), new TableName("public", "users"));
  }

  @Test
  void badWhereValuesAreUsageErrorsAllAtOnce() {
    assertUsage(() -> RowSelection.parseWhere("users id = 1"))
        .hasMessageContaining("write it as 'TABLE: CONDITION'");
    assertUsage(() -> RowSelection.parseWhere("users:   "))
        .hasMessageContaining("the condition after the colon is empty");
    assertUsage(() -> RowSelection.parseWhere("\"users: id = 1"))
        .hasMessageContaining("write it as 'TABLE: CONDITION'");
    assertUsage(() -> RowSelection.parseWhere("users: id = 1; DELETE FROM users"))
        .hasMessageContaining("contains ';'");
    assertUsage(() -> resolve(List.of("usres: id = 1", "Users: id = 2"), List.of(), null))
        .hasMessageContaining(
            "--where 'usres: id = 1' names no table in scope: did you mean users?")
        .hasMessageContaining(
            "--where 'Users: id = 2' names no table in scope: did you mean users?");
  }

  @Test
  void referencesAreReadAndTheirColumnsChecked() {
    RowSelection.ParsedReference parsed =
        RowSelection.parseReference("\"Order Items\"(order_id, \"Line No\") -> orders(id, line)");
    assertThat(parsed.child()).isEqualTo(new QualifiedName(null, "Order Items"));
    assertThat(parsed.childColumns()).containsExactly("order_id", "Line No");
    assertThat(parsed.parentColumns()).containsExactly("id", "line");

    RowSelection selection =
        resolve(
            List.of("orders: id = 1"),
            List.of("\"Order Items\"(order_id, \"Line No\") -> orders(id, line)"),
            null);
    assertThat(selection.references())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.display())
                  .isEqualTo(
                      "public.\"Order Items\"(order_id, \"Line No\") -> public.orders(id, line)");
              assertThat(r.origin()).startsWith("--reference ");
            });

    assertUsage(() -> RowSelection.parseReference("users(org_id) orgs(id)"))
        .hasMessageContaining("no '->'");
    assertUsage(() -> RowSelection.parseReference("users(org_id, id) -> orgs(id)"))
        .hasMessageContaining("2 column(s) on the left and 1 on the right");
    assertUsage(() -> RowSelection.parseReference("users -> orgs(id)"))
        .hasMessageContaining("write each side as TABLE(column, ...)");
    assertUsage(() -> RowSelection.parseReference("users(org id) -> orgs(id)"))
        .hasMessageContaining("(quote it)");
    assertUsage(
            () ->
                resolve(
                    List.of("orgs: id = 1"),
                    List.of("users(orgid) -> orgs(id)", "\"Order Items\"(org_id) -> orgs(id)"),
                    null))
        .hasMessageContaining("public.users has no column orgid: did you mean org_id?")
        .hasMessageContaining("the columns' types differ (integer against bigint)");
  }

  @Test
  void theTenantKeyBecomesAReferenceFromEveryTableWithTheColumn() {
    RowSelection selection = resolve(List.of("users: id = 1"), List.of(), "user_id");
    // logins.user_id has its foreign key already: only sessions needs a virtual one
    assertThat(selection.references())
        .extracting(RowSelection.VirtualReference::display, RowSelection.VirtualReference::origin)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "public.sessions(user_id) -> public.users(id)", "--tenant-key user_id"));
    assertThat(selection.tenantKey()).isEqualTo("user_id");
  }

  @Test
  void aTenantKeyOfAnotherTypeOrInNoTableIsAUsageError() {
    assertUsage(() -> resolve(List.of("orgs: id = 1"), List.of(), "org_id"))
        .hasMessageContaining(
            "public.orgs.id is bigint but public.\"Order Items\".org_id is integer");
    assertUsage(() -> resolve(List.of("orgs: id = 1"), List.of(), "tenant"))
        .hasMessageContaining("no table in scope has a column tenant");
    assertUsage(() -> resolve(List.of("orgs: id = 1", "users: id = 1"), List.of(), "org_id"))
        .hasMessageContaining("needs exactly one table in --where");
    assertUsage(() -> resolve(List.of("orders: id = 1"), List.of(), "order_id"))
        .hasMessageContaining("needs a one-column primary key");
  }

  @Test
  void theLexerKeepsTheConditionInsideItsParentheses() {
    for (String fine :
        List.of(
            "email = 'a;b'",
            "email = 'it''s;'",
            "email = E'it\\'s;'",
            "note = $$;$$",
            "note = $tag$ ; $ $tag$",
            "id = 1 -- ; a comment",
            "id = 1 /* ; /* nested ; */ still ; */",
            "\"we;ird\" = 1",
            "a$b = $1",
            "(id IN (1, 2)) AND (email <> '(')")) {
      assertThat(ConditionCheck.lex(fine)).as(fine).isEmpty();
    }
    assertThat(ConditionCheck.lex("true; DELETE FROM users"))
        .hasValueSatisfying(why -> assertThat(why).contains("';'"));
    assertThat(ConditionCheck.lex("email = E'it\\'s'; DELETE FROM users")).isPresent();
    assertThat(ConditionCheck.lex("id = 1) OR (true"))
        .hasValue("it closes a parenthesis it did not open");
    assertThat(ConditionCheck.lex("(id = 1")).hasValue("it leaves 1 parenthesis(es) open");
    assertThat(ConditionCheck.lex("email = 'open"))
        .hasValue("it has an unterminated quoted string");
    assertThat(ConditionCheck.lex("id = 1 /* open")).hasValue("it has an unterminated /* comment");
    assertThat(ConditionCheck.lex("note = $q$ open")).hasValue("it has an unterminated $q$ quote");
    assertThat(ConditionCheck.lex("\"open = 1")).hasValue("it has an unterminated double quote");
    // fine with standard_conforming_strings on, but with it off the quote ends early: refused
    assertThat(ConditionCheck.lex("email = '\\'' ; COMMIT; DELETE FROM users; '"))
        .hasValue(
            "it contains ';': a condition is one expression, never a second statement (where a"
                + " backslash escapes a quote)");
    assertThat(ConditionCheck.lex("email = '\\'' ) OR (true --'"))
        .hasValue("it closes a parenthesis it did not open (where a backslash escapes a quote)");
    // a string ending in a backslash is only unterminated with it off: a syntax error there
    assertThat(ConditionCheck.lex("email LIKE '%\\'")).isEmpty();
  }

  @Test
  void theServerChecksTheConditionReadOnlyAndNothingChanges() throws SQLException {
    Table users = catalog.table(new TableName("public", "users")).orElseThrow();
    try (Connection c = db.connect()) {
      ConditionCheck.check(c, users, "email LIKE '%@test.com' -- the test accounts");
      ConditionCheck.check(c, users, "id IN (SELECT id FROM app.users)");
      assertUsage(() -> ConditionCheck.check(c, users, "id = = 1"))
          .hasMessageContaining("was refused by the server: ERROR: syntax error")
          .hasMessageContaining("nothing was changed");
      assertUsage(() -> ConditionCheck.check(c, users, "nope = 1"))
          .hasMessageContaining("column \"nope\" does not exist");
      assertUsage(() -> ConditionCheck.check(c, users, "id = 'x'::int"))
          .hasMessageContaining("invalid input syntax for type integer");
      assertUsage(() -> ConditionCheck.check(c, users, "true; DELETE FROM users"))
          .hasMessageContaining("contains ';'");
      assertUsage(() -> ConditionCheck.check(c, users, "true) OR (true"))
          .hasMessageContaining("closes a parenthesis");
      assertUsage(() -> ConditionCheck.check(c, users, "1 = 1 UNION SELECT 1"))
          .hasMessageContaining("syntax error");
      assertThat(c.getAutoCommit()).isTrue();
      assertThat(c.isReadOnly()).isFalse();
    }
    assertThat(db.count("users")).isEqualTo(2);
  }

  /** A session that ends under the check is a failure of the moment, not a wrong condition. */
  @Test
  void aSessionTerminatedBeforeTheCheckIsAFailureNotAWrongCondition() throws SQLException {
    Table users = catalog.table(new TableName("public", "users")).orElseThrow();
    try (Connection c = db.connect()) {
      int pid = c.unwrap(org.postgresql.PGConnection.class).getBackendPID();
      db.queryLong("SELECT count(pg_terminate_backend(" + pid + "))");
      assertThatThrownBy(() -> ConditionCheck.check(c, users, "id = 1"))
          .isInstanceOfSatisfying(
              ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.FAILURE))
          .hasMessageContaining("Could not check the condition on public.users")
          .hasMessageContaining("Nothing was changed")
          .hasMessageNotContaining("--where condition");
    }
  }

  @Test
  void aServerWithoutStandardConformingStringsCannotBeFooledByABackslash() throws SQLException {
    TestDatabase old = TestPostgres.freshDatabase();
    old.exec(
        "CREATE TABLE users (id int PRIMARY KEY, email text)",
        "INSERT INTO users VALUES (1, 'a@test.com')",
        "ALTER DATABASE "
            + TestDatabase.quote(old.name())
            + " SET standard_conforming_strings = off",
        "ALTER DATABASE " + TestDatabase.quote(old.name()) + " SET escape_string_warning = off");
    try (Connection c = old.connect()) {
      Table users =
          CatalogReader.read(c, List.of("public"))
              .table(new TableName("public", "users"))
              .orElseThrow();
      assertUsage(
              () ->
                  ConditionCheck.check(
                      c, users, "email = '\\'' ; COMMIT; DELETE FROM users; SELECT '"))
          .hasMessageContaining("contains ';'");
    }
    assertThat(old.count("users")).isEqualTo(1);
  }
}

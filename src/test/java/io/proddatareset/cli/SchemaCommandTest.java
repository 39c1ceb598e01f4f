package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code schema} in its four formats, on a schema with quotes, a cycle and a self-reference. */
class SchemaCommandTest {
  static TestDatabase db;

  @BeforeAll
  static void load() {
    db = TestPostgres.freshDatabase();
    db.exec(
        """
        CREATE TABLE users (id int PRIMARY KEY);
        CREATE TABLE "Audit Log" (id int, user_id int REFERENCES users(id));
        CREATE TABLE a (id int PRIMARY KEY, b_id int);
        CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a(id));
        ALTER TABLE a ADD CONSTRAINT a_b_fkey FOREIGN KEY (b_id) REFERENCES b(id);
        CREATE TABLE node (id int PRIMARY KEY, parent_id int REFERENCES node(id));
        CREATE TABLE schema_migrations (version text);
        """);
  }

  @Test
  void textListsReferencesAndTheOrder() {
    Cli.Result r = new Cli().run("schema", db.url());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("6 tables, 4 foreign keys")
        .containsPattern("public\\.\"Audit Log\" +public\\.users \\(user_id\\)")
        .contains(
            "public.a, public.b  (foreign-key cycle, truncated together: a_b_fkey, b_a_id_fkey)")
        .contains("public.node  (references itself: node_parent_id_fkey)");
    assertThat(r.out().indexOf("public.\"Audit Log\"", r.out().indexOf("Truncation order")))
        .isLessThan(r.out().indexOf("public.users", r.out().indexOf("Truncation order")));
  }

  @Test
  void markdownHasTablesKeysOrderAndWhatIsNeverTruncated() {
    Cli.Result r = new Cli().run("schema", db.url(), "--format", "markdown", "--keep", "users");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("## Tables")
        .contains("| `public.\"Audit Log\"` | reset | id, user_id | `public.users` |  |")
        .contains("| `a_b_fkey` | `public.a` (b_id) | `public.b` (id) | no |")
        .contains("## Truncation order")
        .contains("1. `public.\"Audit Log\"`")
        .contains("`public.a`, `public.b` (foreign-key cycle: truncated together)")
        .contains("**Never truncated**: `public.schema_migrations`, `public.users`");
  }

  @Test
  void mermaidAndDotDrawEveryForeignKey() {
    Cli.Result mermaid =
        new Cli().run("schema", db.url(), "--format", "mermaid", "--keep", "users");
    assertThat(mermaid.exitCode()).isZero();
    assertThat(mermaid.out())
        .startsWith("flowchart LR\n")
        .contains("[\"public.#quot;Audit Log#quot;\"]")
        .contains("class ");
    assertThat(mermaid.out().lines().filter(l -> l.contains("-->|")).count()).isEqualTo(4);

    Cli.Result dot = new Cli().run("schema", db.url(), "--format", "dot");
    assertThat(dot.exitCode()).isZero();
    assertThat(dot.out())
        .startsWith("digraph foreign_keys {")
        .contains("\"public.\\\"Audit Log\\\"\" -> \"public.users\" [label=\"user_id\"];")
        .contains("\"public.node\" -> \"public.node\"")
        .endsWith("}\n");
    assertThat(dot.out().lines().filter(l -> l.contains(" -> ")).count()).isEqualTo(4);
  }

  @Test
  void aBadFormatIsAUsageError() {
    Cli.Result r = new Cli().run("schema", db.url(), "--format", "pdf");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("pdf");
  }
}

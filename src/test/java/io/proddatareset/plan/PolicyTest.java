package io.proddatareset.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.EditDistance;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.pg.QualifiedName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading policies and names, without a database. */
class PolicyTest {
  @Test
  void listsAreCommaSeparatedOrRepeatedAndQuotesProtectCommas() {
    Policy p =
        Policy.of(
            List.of("public, \"My,Schema\""),
            List.of("users,api_keys", "\"a,b\"", " app.\"Audit Log\" "),
            List.of());
    assertThat(p.schemas()).containsExactly("public", "My,Schema");
    assertThat(p.keep()).containsExactly("users", "api_keys", "\"a,b\"", "app.\"Audit Log\"");
    assertThat(Policy.of(List.of(), List.of(), List.of()).schemas()).containsExactly("public");
  }

  @Test
  void namesAreExactWithOptionalQuotesAndSchema() {
    assertThat(QualifiedName.parse("Genre")).isEqualTo(new QualifiedName(null, "Genre"));
    assertThat(QualifiedName.parse("\"Genre\"").name()).isEqualTo("Genre");
    QualifiedName audit = QualifiedName.parse("app.\"Audit Log\"");
    assertThat(audit.schema()).isEqualTo("app");
    assertThat(audit.name()).isEqualTo("Audit Log");
    assertThat(QualifiedName.parse("\"we\"\"ird.name\"").name()).isEqualTo("we\"ird.name");
    assertThat(QualifiedName.parse("\"my.schema\".t").schema()).isEqualTo("my.schema");
    for (String bad : List.of("a.b.c", "\"open", "a.", "ab\"c\"", "\"x\"y")) {
      assertThatThrownBy(() -> QualifiedName.parse(bad))
          .isInstanceOf(ExitException.class)
          .satisfies(e -> assertThat(((ExitException) e).status()).isEqualTo(ExitStatus.USAGE));
    }
  }

  @Test
  void suggestionsFindTyposButNotUnrelatedNames() {
    List<String> tables = List.of("users", "api_keys", "projects", "Genre");
    assertThat(Suggestions.closest("usres", tables)).contains("users");
    assertThat(Suggestions.closest("genre", tables)).contains("Genre");
    assertThat(Suggestions.closest("project", tables)).contains("projects");
    assertThat(Suggestions.closest("invoices", tables)).isEmpty();
    assertThat(EditDistance.between("kitten", "sitting")).isEqualTo(3);
  }

  @Test
  void policyFileHasTheKeysOfTheOptions() throws Exception {
    Policy p =
        PolicyFile.parse(
            """
            schema: public, app
            keep: [users, '"Genre"']
            reset:
              - projects
              - app."Audit Log"
            """,
            "p.yaml");
    assertThat(p.schemas()).containsExactly("public", "app");
    assertThat(p.keep()).containsExactly("users", "\"Genre\"");
    assertThat(p.reset()).containsExactly("projects", "app.\"Audit Log\"");
    assertThat(p.source()).isEqualTo("policy file p.yaml");

    Path example = Path.of("examples/pm-agent.policy.yaml");
    Policy seed = PolicyFile.read(example);
    assertThat(seed.keep()).contains("users", "api_keys", "schema_migrations");
    assertThat(seed.reset()).hasSize(10);
    assertThat(Files.readString(example)).contains("schema_migrations");
  }

  @Test
  void aFileRemembersWhichListsItGivesEvenEmpty() {
    Policy p = PolicyFile.parse("keep: [users]\nreset: []\n", "p.yaml");
    assertThat(p.keep()).containsExactly("users");
    assertThat(p.reset()).isEmpty();
    assertThat(p.keepGiven()).isTrue();
    assertThat(p.resetGiven()).isTrue();
    Policy onlyEmptyReset = PolicyFile.parse("reset: []\n", "p.yaml");
    assertThat(onlyEmptyReset.empty()).isFalse();
    assertThat(onlyEmptyReset.keepGiven()).isFalse();
    // options add to the file and keep its lists given
    Policy merged = onlyEmptyReset.plus(Policy.of(List.of(), List.of("users"), List.of()), false);
    assertThat(merged.resetGiven()).isTrue();
    assertThat(merged.fromFile(true, "users")).isFalse();
    assertThat(Policy.of(List.of(), List.of(""), List.of()).keepGiven()).isFalse();
  }

  @Test
  void badPolicyFilesAreUsageErrors() {
    for (String yaml : List.of("keep: [users", "kep: [users]", "- users", "keep: {a: b}", "")) {
      assertThatThrownBy(() -> PolicyFile.parse(yaml, "bad.yaml"))
          .isInstanceOf(ExitException.class)
          .hasMessageContaining("bad.yaml")
          .satisfies(e -> assertThat(((ExitException) e).status()).isEqualTo(ExitStatus.USAGE));
    }
    assertThatThrownBy(() -> PolicyFile.read(Path.of("no/such/policy.yaml")))
        .hasMessageContaining("does not exist");
  }

  @Test
  void optionsAddToTheFile() {
    Policy file = new Policy(List.of("app"), List.of("users"), List.of(), "policy file f");
    Policy merged = file.plus(Policy.of(List.of(), List.of("api_keys", "users"), List.of()), false);
    assertThat(merged.schemas()).containsExactly("app");
    assertThat(merged.keep()).containsExactly("users", "api_keys");
    assertThat(merged.source()).isEqualTo("policy file f and options");
    assertThat(file.plus(Policy.of(List.of(), List.of(), List.of()), false).source())
        .isEqualTo("policy file f");
  }
}

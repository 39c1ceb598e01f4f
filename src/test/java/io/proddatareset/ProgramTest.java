package io.proddatareset;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("single-version")
class ProgramTest {
  @Test
  void theProgramIsTheLauncherAsRunOrItsName() {
    assertThat(Program.command(Map.of())).isEqualTo("prod-data-reset");
    assertThat(Program.command(Map.of("PDR_LAUNCHER", ""))).isEqualTo("prod-data-reset");
    assertThat(Program.command(Map.of("PDR_LAUNCHER", "./prod-data-reset")))
        .isEqualTo("./prod-data-reset");
    assertThat(Program.command(Map.of("PDR_LAUNCHER", "/opt/my tools/prod-data-reset")))
        .isEqualTo("'/opt/my tools/prod-data-reset'");
    // a first word with '=' would be a variable assignment
    assertThat(Program.command(Map.of("PDR_LAUNCHER", "/opt/a=b/prod-data-reset")))
        .isEqualTo("'/opt/a=b/prod-data-reset'");
    // a control character cannot be shown as a command
    assertThat(Program.command(Map.of("PDR_LAUNCHER", "/tmp/x\n rm -rf /")))
        .isEqualTo("prod-data-reset");
  }

  @Test
  void argumentsAreQuotedForTheShell() {
    assertThat(Program.quote("backups/pm-1.sql.gz")).isEqualTo("backups/pm-1.sql.gz");
    assertThat(Program.quote("")).isEqualTo("''");
    assertThat(Program.quote("a b")).isEqualTo("'a b'");
    assertThat(Program.quote("I've seen $HOME `x` \"y\" \\"))
        .isEqualTo("'I'\\''ve seen $HOME `x` \"y\" \\'");
    assertThat(Program.quote("postgresql://u@h:5432/d?sslmode=disable"))
        .isEqualTo("'postgresql://u@h:5432/d?sslmode=disable'");
    assertThat(Program.commandLine(Map.of(), List.of("restore", "my file.sql", "--confirm", "db")))
        .isEqualTo("prod-data-reset restore 'my file.sql' --confirm db");
  }
}

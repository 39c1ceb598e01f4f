package io.proddatareset.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script tells the tool how it was run (PDR_LAUNCHER), so that the commands the tool
 * prints can be run as printed. A copy of the real script runs with a stand-in for java that prints
 * what it was given.
 */
@Tag("single-version")
class LauncherTest {
  @TempDir Path dir;
  Path checkout;
  Path javaHome;

  @BeforeEach
  void copyOfTheLauncher() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
    checkout = Files.createDirectories(dir.resolve("checkout"));
    Files.copy(
        Path.of("prod-data-reset"),
        checkout.resolve("prod-data-reset"),
        StandardCopyOption.COPY_ATTRIBUTES);
    // a jar with no sources beside it is never stale: the launcher does not build
    Files.createDirectories(checkout.resolve("target"));
    Files.writeString(checkout.resolve("target/prod-data-reset.jar"), "");
    javaHome = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
    Path java = javaHome.resolve("bin/java");
    Files.writeString(java, "#!/bin/sh\nprintf 'PDR_LAUNCHER=%s\\n' \"$PDR_LAUNCHER\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
  }

  private String run(Path cwd, String path, String command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("/bin/bash", "-c", command).directory(cwd.toFile());
    pb.environment().clear();
    pb.environment().put("PATH", path);
    pb.environment().put("JAVA_HOME", javaHome.toString());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void fromTheCheckoutItIsThePathAsTyped() throws Exception {
    assertThat(run(checkout, "/usr/bin:/bin", "./prod-data-reset --version"))
        .isEqualTo("PDR_LAUNCHER=./prod-data-reset\n");
    assertThat(run(dir, "/usr/bin:/bin", "checkout/prod-data-reset plan"))
        .isEqualTo("PDR_LAUNCHER=checkout/prod-data-reset\n");
    String absolute = checkout.resolve("prod-data-reset").toString();
    assertThat(run(dir, "/usr/bin:/bin", "'" + absolute + "' plan"))
        .isEqualTo("PDR_LAUNCHER=" + absolute + "\n");
  }

  @Test
  void onThePathItIsTheBareName() throws Exception {
    assertThat(run(dir, checkout + ":/usr/bin:/bin", "prod-data-reset plan"))
        .isEqualTo("PDR_LAUNCHER=prod-data-reset\n");
  }

  @Test
  void anotherInstallOnThePathDoesNotStandInForTheCheckout() throws Exception {
    Path other = Files.createDirectories(dir.resolve("other"));
    Files.copy(checkout.resolve("prod-data-reset"), other.resolve("prod-data-reset"));
    assertThat(run(checkout, other + ":/usr/bin:/bin", "./prod-data-reset plan"))
        .isEqualTo("PDR_LAUNCHER=./prod-data-reset\n");
  }
}

package io.proddatareset.skill;

import io.proddatareset.ExitException;
import io.proddatareset.Program;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * How an installed skill runs the tool: {@value Program#NAME} when the launcher was found on the
 * PATH, otherwise the launcher's absolute path ({@link Program#LAUNCHER_VARIABLE} says which one
 * ran), never a path inside the tool's source checkout, which is a build tree, not an installation.
 */
public final class InstalledTool {
  private InstalledTool() {}

  /**
   * The command, as one shell word.
   *
   * @param env the environment: {@value Program#LAUNCHER_VARIABLE} and {@code PATH}
   * @param cwd the directory relative launcher paths are resolved against
   * @throws ExitException USAGE when the tool was not started by a launcher, or by the checkout's
   */
  public static String command(Map<String, String> env, Path cwd) {
    String launcher = env.get(Program.LAUNCHER_VARIABLE);
    Optional<Path> onPath = onPath(env.get("PATH"));
    if (launcher == null || launcher.isBlank()) {
      if (onPath.isPresent() && !inCheckout(onPath.get())) {
        return Program.NAME;
      }
      throw ExitException.usage(
          "Cannot tell where the tool is installed (it was not started by its launcher):"
              + " run skill install with the installed bin/prod-data-reset; nothing was written.");
    }
    if (!launcher.contains("/") && !launcher.contains(File.separator)) {
      return Program.NAME; // the launcher names itself so when it was found on the PATH
    }
    Path path = cwd.resolve(launcher).toAbsolutePath().normalize();
    if (onPath.isPresent() && sameFile(onPath.get(), path)) {
      return Program.NAME;
    }
    if (inCheckout(path)) {
      throw ExitException.usage(
          "The tool runs from its source checkout ("
              + path
              + "), which an installed skill must not depend on: install it (unpack"
              + " target/prod-data-reset-VERSION.tar.gz, put its bin/ on the PATH) and run skill"
              + " install with that; nothing was written.");
    }
    return Program.quote(path.toString());
  }

  /** The first executable {@value Program#NAME} on {@code path}. */
  private static Optional<Path> onPath(String path) {
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, Program.NAME);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.exists(b) && Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }

  // the checkout's launcher sits beside the Maven wrapper and the build file
  private static boolean inCheckout(Path launcher) {
    Path dir;
    try {
      dir = launcher.toRealPath().getParent();
    } catch (IOException e) {
      dir = launcher.getParent();
    }
    return dir != null && Files.exists(dir.resolve("mvnw")) && Files.exists(dir.resolve("pom.xml"));
  }
}

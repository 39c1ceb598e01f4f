package io.proddatareset.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.MavenRepositoryServer;
import io.proddatareset.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo fetches its PostgreSQL server binaries on first use into the user's cache, from a Maven
 * repository on a real loopback socket standing in for Maven Central, and keeps them only when
 * their SHA-256 is the one the tool knows.
 */
@Tag("single-version")
class PostgresBinariesCacheTest {
  @TempDir Path dir;
  Path cache;
  String repositoryPath;

  @BeforeEach
  void thisPlatformIsPublished() {
    assumeTrue(
        PostgresBinariesCache.published(PostgresBinaries.platform()),
        "no pinned PostgreSQL binaries for " + PostgresBinaries.platform());
    cache = dir.resolve("cache");
    repositoryPath =
        PostgresBinariesCache.forEnvironment(Map.of("XDG_CACHE_HOME", cache.toString()))
            .repositoryPath();
  }

  @Test
  void theDemoFetchesTheBinariesOnceIntoTheUserCache() throws Exception {
    try (MavenRepositoryServer repo =
        MavenRepositoryServer.serving(repositoryPath, TestPostgres.binaries())) {
      Cli.Result r =
          new Cli()
              .env("XDG_CACHE_HOME", cache.toString())
              .env(PostgresBinariesCache.REPOSITORY_VARIABLE, repo.url())
              .run("demo", "--scale", "1");

      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(r.err()).contains("Fetching the PostgreSQL server binaries", repo.url());
      assertThat(r.out()).contains("All 13 tables are exactly as they were before the reset.");
      Path cached =
          cache.resolve("prod-data-reset/postgres").resolve(Path.of(repositoryPath).getFileName());
      assertThat(cached).hasSameBinaryContentAs(TestPostgres.binaries());
      assertThat(repo.requests()).isEqualTo(1);

      // the second time it is there: no request, same file
      PostgresBinariesCache again =
          PostgresBinariesCache.forEnvironment(
              Map.of(
                  "XDG_CACHE_HOME",
                  cache.toString(),
                  PostgresBinariesCache.REPOSITORY_VARIABLE,
                  repo.url()));
      assertThat(again.cached()).isTrue();
      assertThat(again.fetchIfMissing()).isEqualTo(cached);
      assertThat(repo.requests()).isEqualTo(1);
    }
  }

  @Test
  void binariesThatDoNotMatchTheirChecksumAreNotKept() throws Exception {
    byte[] tampered = Files.readAllBytes(TestPostgres.binaries());
    tampered = Arrays.copyOf(tampered, tampered.length);
    tampered[tampered.length / 2] ^= 1;
    try (MavenRepositoryServer repo = MavenRepositoryServer.serving(repositoryPath, tampered)) {
      Cli.Result r =
          new Cli()
              .env("XDG_CACHE_HOME", cache.toString())
              .env(PostgresBinariesCache.REPOSITORY_VARIABLE, repo.url())
              .run("demo", "--scale", "1");

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err())
          .contains("do not match the expected SHA-256", "nothing was kept")
          .doesNotContain("Exception");
      assertThat(filesIn(cache)).isEmpty();
    }
  }

  @Test
  void aMissingArtifactFailsWithTheAddressAndKeepsNothing() throws Exception {
    try (MavenRepositoryServer repo =
        MavenRepositoryServer.serving("somewhere/else.jar", new byte[0])) {
      Cli.Result r =
          new Cli()
              .env("XDG_CACHE_HOME", cache.toString())
              .env(PostgresBinariesCache.REPOSITORY_VARIABLE, repo.url())
              .run("demo", "--scale", "1");

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err())
          .contains("Could not fetch the PostgreSQL binaries", repo.url() + "/" + repositoryPath)
          .contains("HTTP 404", "nothing was kept");
      assertThat(filesIn(cache)).isEmpty();
    }
  }

  @Test
  void theCacheFollowsXdgCacheHomeOrTheHomeDirectory() {
    assertThat(PostgresBinariesCache.directory(Map.of("XDG_CACHE_HOME", "/x/cache", "HOME", "/h")))
        .isEqualTo(Path.of("/x/cache/prod-data-reset/postgres"));
    // a relative XDG_CACHE_HOME is ignored, as the XDG specification says
    assertThat(PostgresBinariesCache.directory(Map.of("XDG_CACHE_HOME", "cache", "HOME", "/h")))
        .isEqualTo(Path.of("/h/.cache/prod-data-reset/postgres"));
    assertThat(PostgresBinariesCache.directory(Map.of("HOME", "/h")))
        .isEqualTo(Path.of("/h/.cache/prod-data-reset/postgres"));
  }

  private static java.util.List<Path> filesIn(Path root) throws Exception {
    if (!Files.exists(root)) {
      return java.util.List.of();
    }
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }
}

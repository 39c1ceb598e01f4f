package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestFileTest {
  @TempDir Path dir;

  static BackupManifest sample() {
    return new BackupManifest(
        BackupManifest.FORMAT_VERSION,
        "prod-data-reset 0.1.0",
        "postgresql://app@db.example.com:5432/app",
        "app",
        "16.13",
        "7312345678901234567",
        "2026-11-28T18:00:00Z",
        "pl_0123456789abcdef",
        "b.sql.gz",
        "gzip",
        123_456_789_012L,
        "a".repeat(64),
        List.of(
            new BackupManifest.TableEntry(
                "public.users",
                "public",
                "users",
                List.of("id", "e\"mail", "naïve\ncolumn"),
                3,
                42,
                "b".repeat(64),
                null,
                null,
                null,
                null,
                null,
                null),
            new BackupManifest.TableEntry(
                "\"My Schema\".\"t\"",
                "My Schema",
                "t",
                List.of(),
                Long.MAX_VALUE,
                0,
                "c".repeat(64),
                List.of(
                    new BackupManifest.PartEntry(0, Sha256.EMPTY),
                    new BackupManifest.PartEntry(7, "d".repeat(64))),
                null,
                null,
                null,
                null,
                null)),
        List.of(
            new BackupManifest.SequenceEntry(
                "public.users_id_seq", "public", "users_id_seq", "public.users", -5, true),
            new BackupManifest.SequenceEntry("s.q", "s", "q", "s.t", 1, false)),
        List.of(new BackupManifest.KeptEntry("public.keep", "public", "keep", 9, "e".repeat(32))),
        null,
        null);
  }

  @Test
  void readsWhatItWrites() throws Exception {
    Path file = dir.resolve("x.manifest.json");
    ManifestFile.write(file, sample());
    assertThat(ManifestFile.read(file)).isEqualTo(sample());
    BackupManifest bare =
        new BackupManifest(
            1, null, null, null, null, null, null, null, null, null, 0, null, null, null, null,
            null, null);
    ManifestFile.write(dir.resolve("bare.json"), bare);
    assertThat(ManifestFile.read(dir.resolve("bare.json"))).isEqualTo(bare);
  }

  @Test
  void skipsFieldsItDoesNotKnow() throws Exception {
    Path file = dir.resolve("m.json");
    Files.writeString(
        file,
        "{\"formatVersion\":1,\"future\":{\"a\":[1,2.5,null]},"
            + "\"tables\":[{\"name\":\"t\",\"columns\":[\"a\"],\"rows\":2,\"later\":true}]}");
    BackupManifest m = ManifestFile.read(file);
    assertThat(m.tables()).hasSize(1);
    assertThat(m.tables().get(0).rows()).isEqualTo(2);
  }

  @Test
  void refusesWhatIsNotAManifest() throws Exception {
    for (String bad :
        List.of(
            "",
            "[]",
            "{\"formatVersion\":1",
            "{\"formatVersion\":1} {}",
            "{\"fileBytes\":\"12\"}",
            "{\"fileBytes\":1.5}",
            "{\"fileBytes\":123456789012345678901234567890}",
            "{\"formatVersion\":99999999999}",
            "{\"tool\":1}",
            "{\"tool\":1.5}",
            "{\"tables\":{}}",
            "{\"tables\":[{\"name\":\"t\"}]}",
            "{\"tables\":[{\"name\":\"t\",\"columns\":[1]}]}",
            "{\"tables\":[3]}",
            "{\"sequences\":[{\"isCalled\":\"yes\"}]}",
            "{\"planId\":\"a\",\"planId\":\"b\"}")) {
      Path file = dir.resolve("bad.json");
      Files.writeString(file, bad);
      assertThatThrownBy(() -> ManifestFile.read(file)).as(bad).isInstanceOf(IOException.class);
    }
  }

  @Test
  void theResetSectionIsOptionalAndRecordedInPlaceKeepingTheRest() throws Exception {
    Path file = dir.resolve("r.manifest.json");
    ManifestFile.write(file, sample());
    assertThat(ManifestFile.read(file).reset()).isNull();
    BackupManifest.ResetEntry reset =
        new BackupManifest.ResetEntry(
            "2026-12-01T12:00:00.123456Z",
            "4294967302",
            true,
            java.util.Map.of("TimeZone", "Europe/Berlin"),
            List.of(
                new BackupManifest.ResetTableEntry(
                    "public.users", "public", "users", List.of(16384L, 4294967295L))));

    ManifestFile.recordReset(file, reset);

    BackupManifest read = ManifestFile.read(file);
    assertThat(read.reset()).isEqualTo(reset);
    assertThat(read.withReset(null)).isEqualTo(sample());
    assertThat(Files.readString(file)).contains("\"relfilenodes\" : [ 16384, 4294967295 ]");
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(file); // no temporary file left behind
    }
    // a reset table without its schema is refused, not read as a table of no schema
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var tree = json.readTree(file.toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("reset").get("tables").get(0))
        .remove("schema");
    Files.writeString(dir.resolve("bad.json"), json.writeValueAsString(tree));
    assertThatThrownBy(() -> ManifestFile.read(dir.resolve("bad.json")))
        .isInstanceOf(IOException.class);
  }
}

package io.proddatareset.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Reads and writes {@code FILE.manifest.json}. */
public final class ManifestFile {
  /**
   * Loaded on first use: naming a manifest's path needs no JSON, and the mapper is slow to load.
   */
  private static final class Json {
    static final ObjectMapper MAPPER =
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  private ManifestFile() {}

  /** Where the manifest of {@code backup} lives: beside it, named {@code BACKUP.manifest.json}. */
  public static Path pathFor(Path backup) {
    return backup.resolveSibling(backup.getFileName() + ".manifest.json");
  }

  public static BackupManifest read(Path manifest) throws IOException {
    return Json.MAPPER.readValue(manifest.toFile(), BackupManifest.class);
  }

  public static String toJson(BackupManifest manifest) {
    try {
      return Json.MAPPER.writeValueAsString(manifest);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes the manifest under a temporary name, syncs it and renames it into place. */
  static void write(Path manifest, BackupManifest content) throws IOException {
    Path dir = manifest.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + manifest.getFileName(), ".partial");
    try {
      try (var ch =
          java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        ch.write(
            java.nio.ByteBuffer.wrap(
                (toJson(content) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        ch.force(true);
      }
      Files.move(
          tmp, manifest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}

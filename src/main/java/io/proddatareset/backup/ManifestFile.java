package io.proddatareset.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

  /** A manifest of a format version this tool does not read (a newer tool's, say). */
  public static final class UnsupportedFormat extends IOException {
    UnsupportedFormat(String message) {
      super(message);
    }
  }

  /** Where the manifest of {@code backup} lives: beside it, named {@code BACKUP.manifest.json}. */
  public static Path pathFor(Path backup) {
    return backup.resolveSibling(backup.getFileName() + ".manifest.json");
  }

  /**
   * Reads a manifest with Jackson's streaming parser (a restore reads one before it connects, and
   * the data-binding mapper takes a quarter of a second to load). Strict: a value of the wrong
   * type, a repeated field, a missing column list or anything after the object is an error; fields
   * this version does not know are skipped.
   */
  public static BackupManifest read(Path manifest) throws IOException {
    Object root;
    try (com.fasterxml.jackson.core.JsonParser p =
        STREAMING
            .createParser(manifest.toFile())
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)) {
      if (p.nextToken() == null) {
        throw new IOException("the file is empty");
      }
      root = value(p);
      if (p.nextToken() != null) {
        throw new IOException("unexpected content after the manifest object");
      }
    }
    try {
      Fields m = Fields.of(root, "the manifest");
      int version = Math.toIntExact(m.number("formatVersion"));
      if (version > BackupManifest.SUBSET_FORMAT_VERSION) {
        throw new UnsupportedFormat(
            "its formatVersion is "
                + version
                + ", this prod-data-reset reads "
                + BackupManifest.FORMAT_VERSION
                + " to "
                + BackupManifest.SUBSET_FORMAT_VERSION
                + ": it was written by a newer prod-data-reset; upgrade to use it");
      }
      if (version < BackupManifest.FORMAT_VERSION) {
        throw new UnsupportedFormat(
            "its formatVersion is "
                + (version == 0 ? "missing" : version)
                + ", not "
                + BackupManifest.FORMAT_VERSION
                + ": it is not a prod-data-reset manifest");
      }
      return new BackupManifest(
          version,
          m.text("tool"),
          m.text("target"),
          m.text("database"),
          m.text("serverVersion"),
          m.text("systemIdentifier"),
          m.text("snapshotTime"),
          m.text("planId"),
          m.text("file"),
          m.text("compression"),
          m.number("fileBytes"),
          m.text("fileSha256"),
          m.objects("tables", ManifestFile::tableEntry),
          m.objects(
              "sequences",
              f ->
                  new BackupManifest.SequenceEntry(
                      f.text("name"),
                      f.text("schema"),
                      f.text("sequence"),
                      f.text("table"),
                      f.number("value"),
                      f.bool("isCalled"))),
          m.objects(
              "kept",
              f ->
                  new BackupManifest.KeptEntry(
                      f.text("name"),
                      f.text("schema"),
                      f.text("table"),
                      f.number("rows"),
                      f.text("hash"))),
          m.object("reset", ManifestFile::resetEntry),
          subset(version, m));
    } catch (ArithmeticException e) {
      throw new UnsupportedFormat(
          "its formatVersion is out of range: it was written by a newer prod-data-reset, or it is"
              + " not a manifest");
    }
  }

  private static BackupManifest.TableEntry tableEntry(Fields f) throws IOException {
    List<String> columns = f.texts("columns");
    if (columns == null) {
      throw new IOException("a table entry has no columns");
    }
    return new BackupManifest.TableEntry(
        f.text("name"),
        f.text("schema"),
        f.text("table"),
        columns,
        f.number("rows"),
        f.number("bytes"),
        f.text("sha256"),
        f.objects("parts", p -> new BackupManifest.PartEntry(p.number("rows"), p.text("sha256"))),
        f.objects("blocks", b -> new BackupManifest.BlockEntry(b.number("rows"), b.text("sha256"))),
        f.map.get("appendedRows") == null ? null : f.number("appendedRows"),
        f.text("action"),
        f.texts("key"),
        f.texts("updatedColumns"));
  }

  /**
   * The subset section, which a manifest of {@link BackupManifest#SUBSET_FORMAT_VERSION} must have
   * and no other may: a subset backup read as a whole-table one would be loaded wrong.
   */
  private static SubsetInfo subset(int version, Fields m) throws IOException {
    SubsetInfo subset =
        m.object(
            "subset",
            f ->
                new SubsetInfo(
                    f.objects(
                        "conditions",
                        c -> new SubsetInfo.Condition(c.text("table"), c.text("condition"))),
                    f.texts("references"),
                    f.text("tenantKey")));
    boolean subsetVersion = version == BackupManifest.SUBSET_FORMAT_VERSION;
    if (subsetVersion != (subset != null)) {
      throw new IOException(
          subsetVersion
              ? "its formatVersion is 3 (a subset backup) but it has no subset section"
              : "it has a subset section but its formatVersion is " + version + ", not 3");
    }
    if (subsetVersion) {
      for (Object t : m.list("tables") == null ? List.of() : m.list("tables")) {
        Object action = ((Map<?, ?>) t).get("action");
        if (!BackupManifest.TableEntry.DELETE.equals(action)
            && !BackupManifest.TableEntry.UPDATE.equals(action)) {
          throw new IOException(
              "a table entry of a subset backup has no action \"delete\" or \"update\"");
        }
      }
    }
    return subset;
  }

  /** The optional section a reset adds after its commit ({@link BackupManifest.ResetEntry}). */
  private static BackupManifest.ResetEntry resetEntry(Fields f) throws IOException {
    return new BackupManifest.ResetEntry(
        f.text("committedAt"),
        f.text("xid"),
        f.bool("restartIdentity"),
        f.object("textSettings", Fields::textMap),
        f.objects(
            "tables",
            t -> {
              if (t.text("schema") == null || t.text("table") == null) {
                throw new IOException("a reset table entry has no schema or table");
              }
              return new BackupManifest.ResetTableEntry(
                  t.text("name"), t.text("schema"), t.text("table"), t.numbers("relfilenodes"));
            }));
  }

  /**
   * Adds {@code reset} to the manifest of {@code backup} (replacing a reset section it has), as a
   * committed reset does: the rest of the manifest is kept as read, so the checks of the backup
   * against it stay as they were. Written as {@link #write} does: under a temporary name, synced,
   * renamed into place.
   *
   * @throws IOException when the manifest cannot be read or written; it is then left as it was
   */
  public static void recordReset(Path manifest, BackupManifest.ResetEntry reset)
      throws IOException {
    write(manifest, read(manifest).withReset(reset));
  }

  private static final com.fasterxml.jackson.core.JsonFactory STREAMING =
      new com.fasterxml.jackson.core.JsonFactory();

  /**
   * The value at the parser's current token: a map, list, string, long, boolean or null; a number
   * that is not a whole number within a long comes back as an {@link OtherNumber}, which no field
   * accepts.
   */
  private static Object value(com.fasterxml.jackson.core.JsonParser p) throws IOException {
    switch (p.currentToken()) {
      case START_OBJECT -> {
        Map<String, Object> out = new LinkedHashMap<>();
        while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          out.put(name, value(p));
        }
        return out;
      }
      case START_ARRAY -> {
        List<Object> out = new ArrayList<>();
        while (p.nextToken() != com.fasterxml.jackson.core.JsonToken.END_ARRAY) {
          out.add(value(p));
        }
        return out;
      }
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        // a whole number that fits a long is a Long; anything else fails where a number is read
        boolean whole =
            p.getNumberType() == com.fasterxml.jackson.core.JsonParser.NumberType.INT
                || p.getNumberType() == com.fasterxml.jackson.core.JsonParser.NumberType.LONG;
        return whole ? (Object) p.getLongValue() : new OtherNumber(p.getText());
      }
      case VALUE_TRUE -> {
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        return Boolean.FALSE;
      }
      case VALUE_NULL -> {
        return null;
      }
      default ->
          throw new IOException(
              "unexpected " + p.currentToken() + " at " + p.currentLocation().offsetDescription());
    }
  }

  /**
   * A fraction, or a whole number beyond a long: skipped in unknown fields, refused in known ones.
   */
  private record OtherNumber(String text) {}

  /** Typed access to one JSON object's fields; absent and null are the same. */
  private record Fields(Map<?, ?> map, String what) {
    static Fields of(Object value, String what) throws IOException {
      if (!(value instanceof Map<?, ?> m)) {
        throw new IOException(what + " is not a JSON object");
      }
      return new Fields(m, what);
    }

    String text(String key) throws IOException {
      Object v = map.get(key);
      if (v == null || v instanceof String) {
        return (String) v;
      }
      throw wrong(key, "a string");
    }

    long number(String key) throws IOException {
      Object v = map.get(key);
      if (v == null) {
        return 0;
      }
      if (v instanceof Long l) {
        return l;
      }
      throw wrong(key, "a whole number");
    }

    boolean bool(String key) throws IOException {
      Object v = map.get(key);
      if (v == null) {
        return false;
      }
      if (v instanceof Boolean b) {
        return b;
      }
      throw wrong(key, "true or false");
    }

    List<String> texts(String key) throws IOException {
      List<?> list = list(key);
      if (list == null) {
        return null;
      }
      List<String> out = new ArrayList<>();
      for (Object o : list) {
        if (!(o instanceof String text)) {
          throw wrong(key, "a list of strings");
        }
        out.add(text);
      }
      return out;
    }

    /** A list of whole numbers, empty when absent. */
    List<Long> numbers(String key) throws IOException {
      List<?> list = list(key);
      List<Long> out = new ArrayList<>();
      for (Object o : list == null ? List.of() : list) {
        if (!(o instanceof Long l)) {
          throw wrong(key, "a list of whole numbers");
        }
        out.add(l);
      }
      return out;
    }

    /** The object under {@code key} read by {@code entry}, or null when absent. */
    <T> T object(String key, Entry<T> entry) throws IOException {
      Object v = map.get(key);
      return v == null ? null : entry.of(Fields.of(v, key));
    }

    /** This object's fields as text, in order; null stays absent. */
    Map<String, String> textMap() throws IOException {
      Map<String, String> out = new LinkedHashMap<>();
      for (Object k : map.keySet()) {
        String value = text((String) k);
        if (value != null) {
          out.put((String) k, value);
        }
      }
      return out;
    }

    <T> List<T> objects(String key, Entry<T> entry) throws IOException {
      List<?> list = list(key);
      if (list == null) {
        return null;
      }
      List<T> out = new ArrayList<>();
      for (Object o : list) {
        out.add(entry.of(Fields.of(o, key + " entry")));
      }
      return out;
    }

    List<?> list(String key) throws IOException {
      Object v = map.get(key);
      if (v == null || v instanceof List<?>) {
        return (List<?>) v;
      }
      throw wrong(key, "a list");
    }

    private IOException wrong(String key, String expected) {
      return new IOException(what + ": " + key + " is not " + expected);
    }
  }

  @FunctionalInterface
  private interface Entry<T> {
    T of(Fields fields) throws IOException;
  }

  public static String toJson(BackupManifest manifest) {
    try {
      return Json.MAPPER.writeValueAsString(manifest);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes the manifest under a temporary name ({@link PartialFiles}), syncs it and renames it into
   * place, replacing a file of that name.
   */
  static void write(Path manifest, BackupManifest content) throws IOException {
    Path dir = manifest.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, PartialFiles.prefix(manifest), PartialFiles.SUFFIX);
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

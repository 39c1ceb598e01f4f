package io.proddatareset.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.proddatareset.backup.RestoreResult;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON form of a restore's result. */
final class RestoreJson {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private RestoreJson() {}

  static String of(Path file, String target, RestoreResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("file", file.toString());
    m.put("target", target);
    m.put("tables", r.tables());
    m.put("rows", r.totalRows());
    m.put("sequences", r.sequences());
    m.put("sequencesLeftAhead", r.sequencesAhead());
    m.put("skipped", r.skipped());
    m.put("manifestChecked", r.manifestChecked());
    m.put("foreignKeysRecreated", r.foreignKeysRecreated());
    m.put("triggersDisabled", r.triggersDisabled());
    m.put("millis", r.millis());
    try {
      return JSON.writeValueAsString(m);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

package io.proddatareset.cli;

import io.proddatareset.backup.BackupOrigin;
import io.proddatareset.backup.RestorePreview;
import io.proddatareset.backup.RestoreResult;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON form of a restore's result. */
final class RestoreJson {
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
    if (r.live() != null) {
      m.put("live", r.live());
    }
    return JsonOutput.write(m);
  }

  /** The JSON form of {@code restore --dry-run}. */
  static String preview(Path file, String target, RestorePreview p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("dryRun", true);
    m.put("file", file.toString());
    m.put("target", target);
    m.put("wouldRestore", p.ok());
    BackupOrigin o = p.origin();
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("recorded", o.recorded());
    source.put("manifest", o.manifest() != null);
    if (o.recorded()) {
      source.put("database", o.manifest().database());
      source.put("systemIdentifier", o.manifest().systemIdentifier());
      source.put("target", o.manifest().target());
      source.put("snapshotTime", o.manifest().snapshotTime());
    }
    m.put("source", source);
    Map<String, Object> into = new LinkedHashMap<>();
    into.put("database", o.target().database());
    into.put("systemIdentifier", o.target().systemIdentifier());
    m.put("targetDatabase", into);
    m.put("otherDatabase", o.otherDatabase());
    m.put("fileChecked", p.fileChecked());
    m.put("tables", p.tables());
    m.put("rows", p.totalRows());
    m.put("sequences", p.sequences());
    m.put("skipped", p.skipped());
    m.put("refusals", p.refusals());
    m.put("warnings", p.warnings());
    if (p.live() != null) {
      m.put("live", p.live());
    }
    return JsonOutput.write(m);
  }
}

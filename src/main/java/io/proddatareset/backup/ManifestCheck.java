package io.proddatareset.backup;

import io.proddatareset.Counts;
import java.util.ArrayList;
import java.util.List;

/** Compares what a backup file holds with its manifest. */
final class ManifestCheck {
  private ManifestCheck() {}

  /**
   * Every difference between the file as read and the manifest, one line each; empty when they
   * match.
   */
  static List<String> problems(BackupReader.Summary file, BackupManifest manifest) {
    List<String> problems = new ArrayList<>();
    if (file.fileBytes() != manifest.fileBytes()) {
      problems.add(
          "the file has "
              + Counts.of(file.fileBytes(), "byte")
              + ", the manifest says "
              + Counts.number(manifest.fileBytes()));
    } else if (!file.fileSha256().equals(manifest.fileSha256())) {
      problems.add("the file's SHA-256 differs from the manifest");
    }
    if (!file.complete()) {
      problems.add("the file lacks its final line: it is cut off");
    }
    if (manifest.holdsSubset()) {
      problems.addAll(SubsetCheck.blockProblems(file.blocks(), manifest.tables()));
    } else {
      tableProblems(file, manifest, problems);
    }
    sequenceProblems(file, manifest, problems);
    return problems;
  }

  private static void tableProblems(
      BackupReader.Summary file, BackupManifest manifest, List<String> problems) {
    // a table's data may come in several blocks (rows appended later): tables are compared in
    // the order of their first blocks, each with all of its blocks
    List<BackupReader.TableData> inFile = file.tables();
    List<BackupManifest.TableEntry> tables = manifest.tables();
    if (inFile.size() != tables.size()) {
      problems.add(countsDiffer("holds", inFile.size(), "table", tables.size()));
    }
    for (int i = 0; i < Math.min(inFile.size(), tables.size()); i++) {
      BackupReader.TableData d = inFile.get(i);
      BackupManifest.TableEntry t = tables.get(i);
      String name = d.statement().table().display();
      if (!d.statement().table().equals(t.tableName())) {
        problems.add(
            "table " + (i + 1) + " is " + name + " in the file, " + t.name() + " in the manifest");
        continue;
      }
      if (d.blocks().stream().anyMatch(b -> !b.statement().columns().equals(t.columns()))) {
        problems.add(name + ": the columns differ from the manifest");
      }
      String dataProblem = dataProblem(name, d.rows(), d.sha256(), t);
      if (d.blocks().size() != t.blockCount()) {
        problems.add(
            name
                + ": "
                + Counts.of(d.blocks().size(), "COPY block")
                + " in the file, "
                + Counts.number(t.blockCount())
                + " in the manifest");
      } else if (dataProblem != null) {
        problems.add(dataProblem);
      } else if (t.blocks() != null) {
        for (int k = 0; k < t.blocks().size(); k++) {
          BackupReader.Block b = d.blocks().get(k);
          BackupManifest.BlockEntry e = t.blocks().get(k);
          if (b.rows() != e.rows() || !b.sha256().equals(e.sha256())) {
            problems.add(
                name + ": COPY block " + (k + 1) + "'s rows or SHA-256 differ from the manifest");
          }
        }
      }
    }
  }

  private static void sequenceProblems(
      BackupReader.Summary file, BackupManifest manifest, List<String> problems) {
    List<SetvalStatement> setvals = file.setvals();
    List<BackupManifest.SequenceEntry> sequences = manifest.sequences();
    if (setvals.size() != sequences.size()) {
      problems.add(countsDiffer("sets", setvals.size(), "sequence", sequences.size()));
    } else {
      for (int i = 0; i < setvals.size(); i++) {
        SetvalStatement s = setvals.get(i);
        BackupManifest.SequenceEntry e = sequences.get(i);
        if (!s.sequence().equals(e.name())
            || s.value() != e.value()
            || s.isCalled() != e.isCalled()) {
          problems.add("sequence " + e.name() + ": the file's setval differs from the manifest");
        }
      }
    }
  }

  /**
   * How {@code what}'s data in the file (its {@code rows} and {@code sha256}) differs from the
   * manifest's {@code entry}: its row count, else its SHA-256; null when both match.
   */
  static String dataProblem(
      String what, long rows, String sha256, BackupManifest.TableEntry entry) {
    if (rows != entry.rows()) {
      return what
          + ": "
          + Counts.of(rows, "row")
          + " in the file, "
          + Counts.number(entry.rows())
          + " in the manifest";
    }
    if (!sha256.equals(entry.sha256())) {
      return what + ": the data's SHA-256 differs from the manifest";
    }
    return null;
  }

  /** e.g. "the file holds 3 tables, the manifest 4". */
  static String countsDiffer(String verb, long inFile, String noun, long inManifest) {
    return "the file "
        + verb
        + " "
        + Counts.of(inFile, noun)
        + ", the manifest "
        + Counts.number(inManifest);
  }
}

package io.proddatareset.backup;

import java.util.ArrayList;
import java.util.List;

/**
 * Compares a subset backup's COPY blocks with its manifest: one entry per block, in file order (a
 * table may have two, its deleted rows and its updated ones), so blocks are paired with entries one
 * to one rather than grouped by table.
 */
final class SubsetCheck {
  private SubsetCheck() {}

  /** Every difference between the blocks as read and the entries, one line each. */
  static List<String> blockProblems(
      List<BackupReader.Block> blocks, List<BackupManifest.TableEntry> entries) {
    List<String> problems = new ArrayList<>();
    if (blocks.size() != entries.size()) {
      problems.add(
          ManifestCheck.countsDiffer("holds", blocks.size(), "COPY block", entries.size()));
    }
    for (int i = 0; i < Math.min(blocks.size(), entries.size()); i++) {
      BackupReader.Block b = blocks.get(i);
      BackupManifest.TableEntry e = entries.get(i);
      String name = b.statement().table().display();
      if (!b.statement().table().equals(e.tableName())) {
        problems.add(
            "COPY block "
                + (i + 1)
                + " is of "
                + name
                + " in the file, "
                + e.name()
                + " in the"
                + " manifest");
        continue;
      }
      String what = name + " (" + e.action() + "d rows)";
      if (!b.statement().columns().equals(e.columns())) {
        problems.add(what + ": the columns differ from the manifest");
      } else {
        String dataProblem = ManifestCheck.dataProblem(what, b.rows(), b.sha256(), e);
        if (dataProblem != null) {
          problems.add(dataProblem);
        }
      }
    }
    return problems;
  }
}

package io.proddatareset.plan;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.Column;
import io.proddatareset.catalog.ForeignKey;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * A short, stable fingerprint of what a reset would do: the target's identity (system identifier
 * and database name), the reset and kept tables with their columns and foreign keys. The same
 * database and policy give the same id; another database or a schema change gives another. Row
 * counts are not part of a whole-table plan's id: it stays valid while the data changes.
 *
 * <p>A subset plan's id also covers the selection (each condition's table and SQL, the virtual
 * references, the tenant key) and the closure's counts per table (rows deleted, rows updated):
 * another condition, or a row added to or removed from the closure since the plan, gives another
 * id, because the confirmed plan named those rows.
 */
public final class PlanId {
  private PlanId() {}

  /** Twelve hex digits of a SHA-256. */
  public static String of(Catalog catalog, Classification classification) {
    return hash(canon(catalog, classification));
  }

  /** The id of a subset plan: see the class comment. */
  public static String of(Catalog catalog, Classification classification, SubsetPlan subset) {
    StringBuilder canon = canon(catalog, classification);
    RowSelection selection = subset.selection();
    for (RowSelection.Condition c : selection.conditions()) {
      canon.append("where ").append(c.table().sql()).append('\n');
      canon.append("  ").append(c.sql().replace("\n", "\n  ")).append('\n');
    }
    for (RowSelection.VirtualReference r : selection.references()) {
      canon.append("reference ").append(r.display()).append('\n');
    }
    canon.append("tenant-key ").append(selection.tenantKey()).append('\n');
    for (RowClosure.Reached r : subset.closure().tables()) {
      canon
          .append("rows ")
          .append(r.table().sql())
          .append(" delete ")
          .append(r.deleteRows())
          .append(" update ")
          .append(r.updateRows())
          .append('\n');
    }
    return hash(canon);
  }

  private static StringBuilder canon(Catalog catalog, Classification classification) {
    StringBuilder canon = new StringBuilder();
    canon.append("system=").append(catalog.systemIdentifier()).append('\n');
    canon.append("database=").append(catalog.database()).append('\n');
    Set<TableName> inPlan = classification.decisions().keySet();
    for (TableName t : inPlan) {
      Table table = catalog.table(t).orElseThrow();
      canon.append(classification.action(t).word()).append(' ').append(t.sql()).append('\n');
      for (Column c : table.columns()) {
        canon
            .append("  column ")
            .append(c.name())
            .append(' ')
            .append(c.type())
            .append(c.generated() ? " generated" : "")
            .append(c.identity().isEmpty() ? "" : " identity " + c.identity())
            .append('\n');
      }
      for (TableName p : table.partitions()) {
        canon.append("  partition ").append(p.sql()).append('\n');
      }
    }
    for (ForeignKey fk : catalog.foreignKeys()) {
      canon
          .append("fk ")
          .append(fk.name())
          .append(' ')
          .append(fk.declaredOn().sql())
          .append(fk.childColumns())
          .append(" -> ")
          .append(fk.parent().sql())
          .append(fk.parentColumns())
          .append(fk.deferrable() ? " deferrable" : "")
          .append('\n');
    }
    return canon;
  }

  private static String hash(StringBuilder canon) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(canon.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}

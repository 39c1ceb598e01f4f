package io.proddatareset.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.proddatareset.plan.RowSelection;
import java.util.List;

/**
 * The {@code subset} section of a subset backup's manifest: which rows it was taken of.
 *
 * @param conditions the {@code --where} selections, in the order given
 * @param references the virtual references followed ({@code --reference}, and those of {@code
 *     --tenant-key}), as {@code public.a(x) -> public.b(id)}
 * @param tenantKey the {@code --tenant-key} column, or null
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record SubsetInfo(List<Condition> conditions, List<String> references, String tenantKey) {
  public SubsetInfo {
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
    references = references == null ? List.of() : List.copyOf(references);
  }

  /** One selection: the rows of {@code table} (as pg_dump names it) matching {@code condition}. */
  public record Condition(String table, String condition) {}

  /** The section for {@code selection}. */
  public static SubsetInfo of(RowSelection selection) {
    return new SubsetInfo(
        selection.conditions().stream()
            .map(c -> new Condition(c.table().display(), c.sql()))
            .toList(),
        selection.references().stream().map(RowSelection.VirtualReference::display).toList(),
        selection.tenantKey());
  }
}

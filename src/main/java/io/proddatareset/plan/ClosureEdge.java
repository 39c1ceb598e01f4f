package io.proddatareset.plan;

import io.proddatareset.catalog.ForeignKey;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import java.util.List;

/**
 * One way rows of {@code child} depend on rows of {@code parent} in a row closure: a declared
 * foreign key, or a virtual reference ({@code --reference}, {@code --tenant-key}) followed like
 * {@code NO ACTION}.
 *
 * @param name the constraint's name, or null for a virtual reference
 * @param childSource where the child's rows are read: {@code child} itself, or the partition a
 *     constraint is declared on (it covers that partition's rows only)
 * @param action what deleting a parent row does to the child rows
 * @param setColumns for {@code SET NULL}/{@code SET DEFAULT}, the child columns that change (all of
 *     {@code childColumns} unless the key names some)
 * @param origin for a virtual reference, the option that gave it; null for a foreign key
 */
public record ClosureEdge(
    String name,
    TableName child,
    TableName childSource,
    List<String> childColumns,
    TableName parent,
    List<String> parentColumns,
    KeyDetails.Action action,
    List<String> setColumns,
    String origin) {

  public ClosureEdge {
    childColumns = List.copyOf(childColumns);
    parentColumns = List.copyOf(parentColumns);
    setColumns = List.copyOf(setColumns);
  }

  static ClosureEdge of(ForeignKey fk, KeyDetails.DeleteRule rule) {
    List<String> set =
        rule.action().deletes()
            ? List.of()
            : rule.setColumns().isEmpty() ? fk.childColumns() : rule.setColumns();
    return new ClosureEdge(
        fk.name(),
        fk.child(),
        fk.declaredOn(),
        fk.childColumns(),
        fk.parent(),
        fk.parentColumns(),
        rule.action(),
        set,
        null);
  }

  static ClosureEdge of(RowSelection.VirtualReference r) {
    return new ClosureEdge(
        null,
        r.child(),
        r.child(),
        r.childColumns(),
        r.parent(),
        r.parentColumns(),
        KeyDetails.Action.NO_ACTION,
        List.of(),
        r.origin());
  }

  /** Whether the child rows are deleted (rather than updated) with the parent rows. */
  public boolean deletes() {
    return action.deletes();
  }

  public boolean virtual() {
    return name == null;
  }

  /**
   * For the plan and refusals: {@code public.tags(project_id) -> public.projects(id)
   * (tags_project_id_fkey, ON DELETE CASCADE)}, or {@code (virtual, --tenant-key org_id)}.
   */
  public String display() {
    String how = virtual() ? "virtual, " + origin : Identifiers.display(name) + ", " + action.sql();
    return RowSelection.VirtualReference.display(child, childColumns, parent, parentColumns)
        + " ("
        + how
        + ")";
  }
}

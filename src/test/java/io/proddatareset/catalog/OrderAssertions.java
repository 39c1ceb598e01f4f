package io.proddatareset.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/** Checks an order against the foreign keys instead of comparing with one hard-coded order. */
public final class OrderAssertions {
  private OrderAssertions() {}

  /**
   * Every foreign key between two different tables of the order, outside a cycle group, has its
   * child before its parent.
   */
  public static void assertLeafFirst(TruncationOrder order, List<ForeignKey> keys) {
    List<TableName> tables = order.tables();
    for (ForeignKey fk : keys) {
      int child = tables.indexOf(fk.child());
      int parent = tables.indexOf(fk.parent());
      if (child < 0 || parent < 0 || fk.selfReference() || sameCycle(order, fk)) {
        continue;
      }
      assertThat(child)
          .as("%s (child) must come before %s (parent) for %s", fk.child(), fk.parent(), fk.name())
          .isLessThan(parent);
    }
  }

  static boolean sameCycle(TruncationOrder order, ForeignKey fk) {
    return order.groups().stream()
        .anyMatch(
            g -> g.cycle() && g.tables().contains(fk.child()) && g.tables().contains(fk.parent()));
  }
}

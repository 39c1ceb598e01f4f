package io.proddatareset.catalog;

import static io.proddatareset.catalog.OrderAssertions.assertLeafFirst;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order on hand-made graphs (no database needed). */
class TruncationOrderTest {
  private static TableName t(String name) {
    return new TableName("public", name);
  }

  private static ForeignKey fk(String child, String parent) {
    return new ForeignKey(
        child + "_" + parent + "_fkey",
        t(child),
        List.of(parent + "_id"),
        t(parent),
        List.of("id"),
        false,
        false,
        t(child),
        "FOREIGN KEY (" + parent + "_id) REFERENCES " + parent + "(id)");
  }

  @Test
  void childrenComeBeforeParentsAndTiesAreBrokenByName() {
    List<ForeignKey> keys = List.of(fk("b", "a"), fk("c", "b"), fk("d", "a"));
    ForeignKeyGraph graph = ForeignKeyGraph.of(List.of(t("a"), t("b"), t("c"), t("d")), keys);
    TruncationOrder order = TruncationOrder.leafFirst(graph);
    assertThat(order.tables()).containsExactly(t("c"), t("b"), t("d"), t("a"));
    assertThat(order.cycles()).isEmpty();
    assertThat(TruncationOrder.parentsFirst(graph).tables())
        .containsExactly(t("a"), t("b"), t("c"), t("d"));
  }

  @Test
  void cyclesAndSelfReferencesAreGroupedAndTheRestStillOrdered() {
    // x <-> y cycle, y -> base, leaf -> x, s -> s, s -> base
    List<ForeignKey> keys =
        List.of(
            fk("x", "y"),
            fk("y", "x"),
            fk("y", "base"),
            fk("leaf", "x"),
            fk("s", "s"),
            fk("s", "base"));
    ForeignKeyGraph graph =
        ForeignKeyGraph.of(List.of(t("base"), t("leaf"), t("s"), t("x"), t("y")), keys);
    TruncationOrder order = TruncationOrder.leafFirst(graph);
    assertLeafFirst(order, keys);
    assertThat(order.tables()).containsExactly(t("leaf"), t("s"), t("x"), t("y"), t("base"));
    assertThat(order.cycles()).hasSize(2);
    TruncationOrder.Group cycle =
        order.cycles().stream().filter(g -> g.tables().size() == 2).findFirst().orElseThrow();
    assertThat(cycle.tables()).containsExactly(t("x"), t("y"));
    assertThat(cycle.selfReference()).isFalse();
    assertThat(cycle.cycleKeys())
        .extracting(ForeignKey::name)
        .containsExactlyInAnyOrder("x_y_fkey", "y_x_fkey");
    TruncationOrder.Group self =
        order.cycles().stream().filter(g -> g.tables().size() == 1).findFirst().orElseThrow();
    assertThat(self.tables()).containsExactly(t("s"));
    assertThat(self.selfReference()).isTrue();
  }

  @Test
  void foreignKeysLeavingTheSetAreIgnoredAndTheOrderIsStable() {
    List<ForeignKey> keys = List.of(fk("b", "a"), fk("b", "outside"));
    ForeignKeyGraph graph = ForeignKeyGraph.of(List.of(t("b"), t("a")), keys);
    assertThat(graph.foreignKeys()).hasSize(1);
    assertThat(TruncationOrder.leafFirst(graph).tables()).containsExactly(t("b"), t("a"));
    assertThat(TruncationOrder.leafFirst(graph.restrictTo(List.of(t("a")))).tables())
        .containsExactly(t("a"));
  }

  @Test
  void aLongChainDoesNotOverflowTheStack() {
    List<TableName> tables = new ArrayList<>();
    List<ForeignKey> keys = new ArrayList<>();
    for (int i = 0; i < 20000; i++) {
      tables.add(t(String.format("t%05d", i)));
      if (i > 0) {
        keys.add(fk(String.format("t%05d", i), String.format("t%05d", i - 1)));
      }
    }
    // close the chain into one big cycle too
    keys.add(fk("t00000", "t19999"));
    TruncationOrder order = TruncationOrder.leafFirst(ForeignKeyGraph.of(tables, keys));
    assertThat(order.groups()).hasSize(1);
    assertThat(order.groups().get(0).tables()).hasSize(20000);
  }
}

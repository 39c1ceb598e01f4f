package io.proddatareset.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.CatalogReader;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The plan's warning about foreign keys whose child columns no index starts with. */
class UnindexedKeysTest {

  private static List<PlanWarning> warnings(TestDatabase db, String where, long minRowsRead)
      throws SQLException {
    try (Connection c = db.connect()) {
      Catalog catalog = CatalogReader.read(c, List.of("public"));
      KeyDetails keys = KeyDetails.read(c);
      RowSelection selection = RowSelection.resolve(catalog, keys, List.of(where), List.of(), null);
      RowClosure.Result closure = RowClosure.compute(c, catalog, keys, selection);
      return UnindexedKeys.find(
          c, closure, RowClosure.edges(catalog, keys, selection), minRowsRead);
    }
  }

  @Test
  void namesEachUnindexedKeyBelowADeletedParentWithTheIndexToCreate() throws SQLException {
    TestDatabase db = TestPostgres.freshDatabase().loadPmAgent(2);
    // tags(project_id) starts the index of UNIQUE (project_id, name); entities(project_id) has none
    List<PlanWarning> before = warnings(db, "projects: id = 1", 1);
    assertThat(before).allMatch(w -> w.code() == PlanWarning.Code.UNINDEXED_FOREIGN_KEY);
    assertThat(before)
        .anyMatch(
            w ->
                w.message().startsWith("Deleting 1 row of public.projects")
                    && w.message()
                        .contains("CREATE INDEX CONCURRENTLY ON public.entities (project_id);"));
    assertThat(before).noneMatch(w -> w.message().contains("ON public.tags "));
    // entities(epic_id) is SET NULL: its check runs per deleted epic too
    assertThat(before).anyMatch(w -> w.message().contains("ON public.entities (epic_id)"));

    db.exec("CREATE INDEX ON entities (project_id, title)", "CREATE INDEX ON entities (epic_id)");
    List<PlanWarning> after = warnings(db, "projects: id = 1", 1);
    assertThat(after).noneMatch(w -> w.message().contains("ON public.entities ("));
    assertThat(after).hasSize(before.size() - 2);
    // a few thousand rows read in all is not worth a warning
    assertThat(warnings(db, "projects: id = 1", UnindexedKeys.MIN_ROWS_READ)).isEmpty();
  }
}

package io.proddatareset.testing;

import io.proddatareset.plan.RowClosure;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The database's own answer to a subset reset: a scratch copy of a database ({@code CREATE DATABASE
 * ... TEMPLATE}) with every {@code NO ACTION} / {@code RESTRICT} foreign key made {@code CASCADE}
 * (the tool deletes those children itself), after one {@code DELETE} of the selection.
 */
public final class CascadeOracle {
  private CascadeOracle() {}

  /**
   * The tool's side of the comparison: per table ("schema.name", unquoted) {deleted, updated}, for
   * the tables {@code result} touches.
   */
  public static Map<String, List<Long>> counts(RowClosure.Result result) {
    Map<String, List<Long>> out = new TreeMap<>();
    for (RowClosure.Reached r : result.tables()) {
      if (r.deleteRows() > 0 || r.updateRows() > 0) {
        out.put(
            r.table().schema() + "." + r.table().name(), List.of(r.deleteRows(), r.updateRows()));
      }
    }
    return out;
  }

  /** The scratch copy of {@code db} (named {@code <db>_cascade}) after {@code delete} ran there. */
  public static TestDatabase after(TestDatabase db, String delete) {
    String scratchName = db.name() + "_cascade";
    try (Connection admin = TestPostgres.adminConnection("postgres");
        Statement st = admin.createStatement()) {
      st.execute(
          "CREATE DATABASE "
              + TestDatabase.quote(scratchName)
              + " TEMPLATE "
              + TestDatabase.quote(db.name()));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    TestDatabase scratch = new TestDatabase(scratchName, db.port());
    List<String> alters = new ArrayList<>();
    try (Connection c = scratch.connect();
        Statement st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT conrelid::regclass::text, quote_ident(conname),"
                    + " pg_get_constraintdef(oid) FROM pg_constraint"
                    + " WHERE contype = 'f' AND conparentid = 0 AND confdeltype IN ('a', 'r')")) {
      while (rs.next()) {
        String def = rs.getString(3);
        String cascading;
        if (def.contains(" ON DELETE RESTRICT")) {
          cascading = def.replace(" ON DELETE RESTRICT", " ON DELETE CASCADE");
        } else if (def.contains(" DEFERRABLE")) {
          cascading = def.replace(" DEFERRABLE", " ON DELETE CASCADE DEFERRABLE");
        } else if (def.contains(" NOT VALID")) {
          cascading = def.replace(" NOT VALID", " ON DELETE CASCADE NOT VALID");
        } else {
          cascading = def + " ON DELETE CASCADE";
        }
        alters.add(
            "ALTER TABLE "
                + rs.getString(1)
                + " DROP CONSTRAINT "
                + rs.getString(2)
                + ", ADD CONSTRAINT "
                + rs.getString(2)
                + " "
                + cascading);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    scratch.exec(alters.toArray(new String[0]));
    scratch.exec(delete);
    return scratch;
  }
}

package io.proddatareset.backup;

import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.Queries;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Splits the tables into the COPY commands whose outputs become the pieces of the file: one per
 * table, one per leaf partition of a partitioned table, and, when several jobs run on PostgreSQL
 * 14+ (which scans ctid ranges directly), one per range of heap pages of a big table.
 */
final class CopyParts {
  private CopyParts() {}

  /** One COPY command whose output becomes one piece of the file. */
  record Part(int table, String sql, boolean first, boolean last) {}

  private record Relation(TableName name, long pages) {}

  /** The parts of {@code tables}, in file order, read over the backup's transaction. */
  static List<Part> plan(
      Connection main, List<Table> tables, int jobs, int serverVersionNum, long partPages)
      throws SQLException {
    boolean split = jobs > 1 && serverVersionNum >= 140000;
    List<Part> parts = new ArrayList<>();
    for (int i = 0; i < tables.size(); i++) {
      Table t = tables.get(i);
      String cols = selectList(t);
      List<String> sqls = new ArrayList<>();
      if (t.partitioned()) {
        for (Relation leaf : leaves(main, t.name())) {
          sqls.addAll(rangeCopies(leaf, cols, split, partPages));
        }
        if (sqls.isEmpty()) {
          sqls.add("COPY (SELECT " + cols + " FROM " + t.name().sql() + ") TO STDOUT");
        }
      } else {
        Relation self = relation(main, t.name());
        if (split && self.pages() > partPages * 3 / 2) {
          sqls.addAll(rangeCopies(self, cols, true, partPages));
        } else {
          String list = t.storedColumns().isEmpty() ? "" : " (" + cols + ")";
          sqls.add("COPY " + t.name().sql() + list + " TO STDOUT");
        }
      }
      for (int k = 0; k < sqls.size(); k++) {
        parts.add(new Part(i, sqls.get(k), k == 0, k == sqls.size() - 1));
      }
    }
    return parts;
  }

  private static String selectList(Table t) {
    return t.storedColumns().stream()
        .map(c -> Identifiers.quote(c.name()))
        .collect(Collectors.joining(", "));
  }

  private static Relation relation(Connection main, TableName name) throws SQLException {
    return Queries.one(
        main,
        "SELECT pg_relation_size(?::regclass) / 8192",
        ps -> ps.setString(1, name.sql()),
        rs -> new Relation(name, rs.getLong(1)));
  }

  private static List<Relation> leaves(Connection main, TableName root) throws SQLException {
    return Queries.list(
        main,
        "SELECT n.nspname, c.relname, pg_relation_size(c.oid) / 8192"
            + " FROM pg_partition_tree(?::regclass) p"
            + " JOIN pg_class c ON c.oid = p.relid"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE p.isleaf ORDER BY n.nspname, c.relname",
        ps -> ps.setString(1, root.sql()),
        rs -> new Relation(new TableName(rs.getString(1), rs.getString(2)), rs.getLong(3)));
  }

  /** COPY of one relation's rows, in ranges of heap pages when {@code split} and it is big. */
  private static List<String> rangeCopies(Relation r, String cols, boolean split, long partPages) {
    String from = "COPY (SELECT " + cols + " FROM ONLY " + r.name().sql();
    List<String> out = new ArrayList<>();
    if (!split || r.pages() <= partPages * 3 / 2) {
      out.add(from + ") TO STDOUT");
      return out;
    }
    // the last range is open-ended: the relation may have grown since its size was read
    for (long start = 0; start < r.pages(); start += partPages) {
      boolean lastRange = start + partPages >= r.pages() - partPages / 2;
      String where =
          start == 0
              ? " WHERE ctid < '(" + partPages + ",0)'::tid"
              : " WHERE ctid >= '("
                  + start
                  + ",0)'::tid"
                  + (lastRange ? "" : " AND ctid < '(" + (start + partPages) + ",0)'::tid");
      out.add(from + where + ") TO STDOUT");
      if (lastRange) {
        break;
      }
    }
    return out;
  }
}

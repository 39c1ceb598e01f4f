package io.proddatareset.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A query's rows read into a list: the one loop over a result set that the services share. The
 * statement and result set it opens are closed on every path; the connection and its transaction
 * stay the caller's.
 */
public final class Queries {
  private Queries() {}

  /** Reads one value from the current row. */
  @FunctionalInterface
  public interface Row<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** Sets a statement's parameters (as bind parameters, never as SQL text). */
  @FunctionalInterface
  public interface Parameters {
    void set(PreparedStatement ps) throws SQLException;
  }

  /** Sets a statement's parameters for one of the values it runs for. */
  @FunctionalInterface
  public interface ParametersFor<V> {
    void set(PreparedStatement ps, V value) throws SQLException;
  }

  /** Every row of {@code sql}, run once with {@code parameters}, each read by {@code row}. */
  public static <T> List<T> list(Connection c, String sql, Parameters parameters, Row<T> row)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      parameters.set(ps);
      return list(ps, row);
    }
  }

  /**
   * The one row of {@code sql}, a query that always returns one (an aggregate, or a {@code SELECT}
   * of expressions), run with {@code parameters} and read by {@code row}.
   *
   * @throws SQLException when it returns no row or several
   */
  public static <T> T one(Connection c, String sql, Parameters parameters, Row<T> row)
      throws SQLException {
    List<T> rows = list(c, sql, parameters, row);
    if (rows.size() != 1) {
      throw new SQLException("expected one row, the query returned " + rows.size());
    }
    return rows.get(0);
  }

  /**
   * {@code sql} prepared once and run once for each of {@code values}, in order, with its
   * parameters set for that value: the rows of every run, in order, each read by {@code row}.
   */
  public static <V, T> List<T> listEach(
      Connection c, String sql, List<V> values, ParametersFor<V> parameters, Row<T> row)
      throws SQLException {
    List<T> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (V value : values) {
        parameters.set(ps, value);
        out.addAll(list(ps, row));
      }
    }
    return out;
  }

  /**
   * Every row of one run of {@code ps}, whose parameters are set, each read by {@code row}; the
   * statement stays open for another run.
   */
  public static <T> List<T> list(PreparedStatement ps, Row<T> row) throws SQLException {
    List<T> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(row.read(rs));
      }
    }
    return out;
  }
}

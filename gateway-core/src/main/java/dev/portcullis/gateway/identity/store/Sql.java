package dev.portcullis.gateway.identity.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The JDBC plumbing the IAM store's classes share: statements with bound parameters, transactions,
 * and SQL errors turned into IamExceptions by SQLSTATE (class 23 is an integrity violation on H2
 * and PostgreSQL alike). Everything blocks: call it from a worker.
 */
public final class Sql {

  private Sql() {
  }

  /** Maps the current row of a result. */
  @FunctionalInterface
  public interface Row<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /** Work on one connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  public static <T> List<T> query(Connection c, String sql, Row<T> row, Object... params) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(sql)) {
      bind(st, params);
      try (ResultSet rs = st.executeQuery()) {
        List<T> out = new ArrayList<>();
        while (rs.next()) {
          out.add(row.map(rs));
        }
        return out;
      }
    }
  }

  /** Runs an update; {@code what} names the object in the IamException a violated rule becomes. */
  public static int execute(Connection c, String what, String sql, Object... params) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(sql)) {
      bind(st, params);
      return st.executeUpdate();
    } catch (SQLException e) {
      throw translate(e, what);
    }
  }

  /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
  public static <T> T inTransaction(DataSource db, String what, Work<T> work) {
    return withConnection(db, what, c -> {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    });
  }

  public static <T> T withConnection(DataSource db, String what, Work<T> work) {
    try (Connection c = db.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw translate(e, what);
    }
  }

  public static RuntimeException translate(SQLException e, String what) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (state.equals("23505")) {
      return new IamException(IamException.Kind.CONFLICT, what + " already exists", e);
    }
    if (state.equals("23503") || state.equals("23506")) {
      return new IamException(IamException.Kind.NOT_FOUND, what + " refers to something that does not exist", e);
    }
    if (state.startsWith("23")) {
      // the database's own message quotes SQL and values: it stays in the cause, out of the answer
      return new IamException(IamException.Kind.INVALID, what + " breaks a store rule", e);
    }
    if (state.equals("22001")) {
      return new IamException(IamException.Kind.INVALID, what + " has a value too long for the store", e);
    }
    return new IamException(IamException.Kind.UNAVAILABLE, "IAM store error (" + what + "): " + e.getMessage(), e);
  }

  public static <T> Optional<T> first(List<T> rows) {
    return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.get(0));
  }

  public static OffsetDateTime ts(Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  public static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  private static void bind(PreparedStatement st, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      st.setObject(i + 1, params[i]);
    }
  }
}

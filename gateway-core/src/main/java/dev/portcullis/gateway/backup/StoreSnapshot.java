package dev.portcullis.gateway.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.portcullis.gateway.config.IdentityConfig;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;

import javax.sql.DataSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The IAM store as JSON Lines, one entry per table ({@code store/<table>.jsonl}, one object per row, column
 * names in lower case, timestamps as ISO-8601 with offset). Store-agnostic: an H2 store's snapshot restores
 * into PostgreSQL and back.
 *
 * <p>Consistency while the gateway runs: every table is read on one connection, in one read-only transaction
 * at REPEATABLE READ — a snapshot on both H2 (MVStore) and PostgreSQL — so a user created halfway through
 * appears with all of its rows or not at all.
 *
 * <p>Restore: Flyway migrates the empty target to the snapshot's schema version, the rows go in table by
 * table in foreign-key order in one transaction, then Flyway takes the store on to this build's newest
 * version, exactly as it would have migrated the original.
 */
final class StoreSnapshot {

  static final String MIGRATIONS = "classpath:dev/portcullis/gateway/identity/db";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A table and the schema version that created it. */
  record Table(String name, int since) {
    String entry() {
      return "store/" + name + ".jsonl";
    }
  }

  /**
   * Every table of the IAM store, parents before children. A migration that adds a table must add it here
   * (StoreSnapshotTest fails until it does).
   */
  static final List<Table> TABLES = List.of(
      new Table("tenants", 1), new Table("users", 1), new Table("user_groups", 1), new Table("group_members", 1),
      new Table("roles", 1), new Table("role_permissions", 1), new Table("role_bindings", 1),
      new Table("api_tokens", 1), new Table("signing_keys", 1), new Table("gateway_secrets", 1),
      new Table("external_identities", 2), new Table("audit_subjects", 3), new Table("totp_credentials", 4),
      new Table("recovery_codes", 4), new Table("mfa_grace", 4), new Table("access_requests", 5),
      new Table("access_request_votes", 5), new Table("network_sets", 6), new Table("keycloak_mirrored", 7),
      new Table("keycloak_owned_mappings", 7));

  private StoreSnapshot() {
  }

  /** A small pool on the store, never migrated (a backup must not change the schema of a running gateway). */
  static HikariDataSource open(IdentityConfig.Store store) throws BackupException {
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(store.jdbcUrl());
    hikari.setUsername(store.username());
    hikari.setPassword(store.password());
    hikari.setMaximumPoolSize(2);
    hikari.setPoolName("portcullis-backup");
    hikari.setConnectionTimeout(10_000);
    hikari.setInitializationFailTimeout(10_000);
    try {
      return new HikariDataSource(hikari);
    } catch (RuntimeException e) {
      String message = root(e);
      if (message.contains("already in use") || message.contains("90020")) {
        throw BackupException.failed("the H2 store " + redact(store.jdbcUrl()) + " is held open by a gateway in "
            + "another process (H2 allows one): an online backup of a running gateway needs PostgreSQL as its "
            + "store; for H2, stop the gateway first");
      }
      throw BackupException.failed("cannot open the IAM store at " + redact(store.jdbcUrl()) + ": " + message, e);
    }
  }

  static Flyway flyway(DataSource source) {
    return Flyway.configure().dataSource(source).locations(MIGRATIONS).failOnMissingLocations(true).load();
  }

  /** The newest schema version this build's migrations create. */
  static MigrationVersion newestKnown(DataSource source) {
    MigrationVersion newest = MigrationVersion.EMPTY;
    for (MigrationInfo info : flyway(source).info().all()) {
      if (!info.getState().name().startsWith("FUTURE") && info.getVersion() != null
          && info.getVersion().isNewerThan(newest)) {
        newest = info.getVersion();
      }
    }
    return newest;
  }

  /** The store's installed schema version, or null when it has none (empty). */
  static MigrationVersion installed(DataSource source) {
    MigrationInfo current = flyway(source).info().current();
    return current == null ? null : current.getVersion();
  }

  /**
   * Writes every table of the store's schema version into the archive from one snapshot.
   *
   * @return rows per table
   */
  static Map<String, Long> dump(DataSource source, int version, BackupArchive.Writer archive)
      throws IOException, BackupException {
    Map<String, Long> counts = new LinkedHashMap<>();
    try (Connection c = source.getConnection()) {
      c.setAutoCommit(false);
      c.setReadOnly(true);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      try {
        for (Table table : TABLES) {
          if (table.since() > version) {
            continue;
          }
          long[] rows = {0};
          archive.add(table.entry(), out -> rows[0] = dumpTable(c, table.name(), out));
          counts.put(table.name(), rows[0]);
        }
        c.commit();
      } catch (SQLException | IOException | BackupException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw BackupException.failed("cannot read the IAM store: " + e.getMessage(), e);
    }
    return counts;
  }

  private static long dumpTable(Connection c, String table, OutputStream out) throws IOException {
    long rows = 0;
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + table + " ORDER BY 1")) {
      ResultSetMetaData meta = rs.getMetaData();
      int n = meta.getColumnCount();
      while (rs.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= n; i++) {
          row.put(meta.getColumnLabel(i).toLowerCase(Locale.ROOT), read(rs, i, kind(meta.getColumnType(i))));
        }
        out.write(JSON.writeValueAsBytes(row));
        out.write('\n');
        rows++;
      }
    } catch (SQLException e) {
      throw new IOException("cannot read table " + table + ": " + e.getMessage(), e);
    }
    return rows;
  }

  private enum Kind { TIME, NUMBER, BOOLEAN, TEXT }

  private static Kind kind(int sqlType) {
    return switch (sqlType) {
      case Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> Kind.TIME;
      case Types.INTEGER, Types.BIGINT, Types.SMALLINT, Types.TINYINT -> Kind.NUMBER;
      case Types.BOOLEAN, Types.BIT -> Kind.BOOLEAN;
      default -> Kind.TEXT;
    };
  }

  private static Object read(ResultSet rs, int i, Kind kind) throws SQLException {
    Object value = switch (kind) {
      case TIME -> {
        OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
        yield t == null ? null : t.toInstant().toString();
      }
      case NUMBER -> rs.getLong(i);
      case BOOLEAN -> rs.getBoolean(i);
      case TEXT -> rs.getString(i);
    };
    return rs.wasNull() ? null : value;
  }

  /**
   * Loads a snapshot into an empty store: migrate to {@code version}, insert every table's rows in one
   * transaction, migrate to the newest version.
   *
   * @param staged the decrypted, checked {@code store/<table>.jsonl} files by table name
   * @return rows per table
   */
  static Map<String, Long> restore(DataSource target, MigrationVersion version, Map<String, Path> staged)
      throws BackupException {
    Map<String, Long> counts = load(target, version, staged);
    upgrade(target, version);
    return counts;
  }

  /** Migrates an empty store to {@code version} and loads the staged tables in one transaction. */
  static Map<String, Long> load(DataSource target, MigrationVersion version, Map<String, Path> staged)
      throws BackupException {
    Flyway.configure().dataSource(target).locations(MIGRATIONS).failOnMissingLocations(true)
        .target(version).load().migrate();
    Map<String, Long> counts = new LinkedHashMap<>();
    try (Connection c = target.getConnection()) {
      c.setAutoCommit(false);
      try {
        for (Table table : TABLES) {
          Path file = staged.get(table.name());
          if (file != null) {
            counts.put(table.name(), load(c, table.name(), file));
          }
        }
        c.commit();
      } catch (SQLException | IOException | RuntimeException e) {
        c.rollback();
        throw BackupException.failed("cannot restore the IAM store (its rows were rolled back, but its tables were "
            + "created at schema version " + version + ": drop them before trying again): " + e.getMessage(), e);
      }
    } catch (SQLException e) {
      throw BackupException.failed("cannot restore the IAM store: " + e.getMessage(), e);
    }
    return counts;
  }

  /** Migrates a loaded store from the archive's {@code version} to this build's newest. */
  static void upgrade(DataSource target, MigrationVersion version) throws BackupException {
    try {
      flyway(target).migrate();
    } catch (RuntimeException e) {
      throw BackupException.failed("the IAM store was restored at schema version " + version + " and the files "
          + "are in place, but migrating it to this build's schema failed (the gateway tries again at start): "
          + e.getMessage(), e);
    }
  }

  private static long load(Connection c, String table, Path file) throws SQLException, IOException {
    Map<String, Kind> columns = new LinkedHashMap<>();
    Map<String, Integer> types = new LinkedHashMap<>();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + table + " WHERE 1 = 0")) {
      ResultSetMetaData meta = rs.getMetaData();
      for (int i = 1; i <= meta.getColumnCount(); i++) {
        String name = meta.getColumnLabel(i).toLowerCase(Locale.ROOT);
        columns.put(name, kind(meta.getColumnType(i)));
        types.put(name, meta.getColumnType(i));
      }
    }
    long rows = 0;
    List<String> order = null;
    PreparedStatement insert = null;
    try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode row = JSON.readTree(line);
        List<String> names = new ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        if (order == null) {
          for (String name : names) {
            if (!columns.containsKey(name)) {
              throw new SQLException("table " + table + " has no column " + name + " in this store");
            }
          }
          order = names;
          insert = c.prepareStatement("INSERT INTO " + table + " (" + String.join(", ", order) + ") VALUES ("
              + String.join(", ", java.util.Collections.nCopies(order.size(), "?")) + ")");
        } else if (!names.equals(order)) {
          throw new SQLException("table " + table + ": rows with different columns");
        }
        for (int i = 0; i < order.size(); i++) {
          String name = order.get(i);
          bind(insert, i + 1, row.get(name), columns.get(name), types.get(name));
        }
        insert.addBatch();
        if (++rows % 500 == 0) {
          insert.executeBatch();
        }
      }
      if (insert != null) {
        insert.executeBatch();
      }
    } finally {
      if (insert != null) {
        insert.close();
      }
    }
    return rows;
  }

  private static void bind(PreparedStatement insert, int i, JsonNode value, Kind kind, int sqlType)
      throws SQLException {
    if (value == null || value.isNull()) {
      insert.setNull(i, sqlType);
      return;
    }
    switch (kind) {
      case TIME -> insert.setObject(i, OffsetDateTime.parse(value.asText()).withOffsetSameInstant(
          java.time.ZoneOffset.UTC));
      case NUMBER -> insert.setLong(i, value.asLong());
      case BOOLEAN -> insert.setBoolean(i, value.asBoolean());
      case TEXT -> insert.setString(i, value.asText());
    }
  }

  /** A JDBC URL without any {@code password=} parameter. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }

  static String root(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}

package dev.portcullis.gateway.backup;

import com.zaxxer.hikari.HikariDataSource;
import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.store.Database;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store snapshot is store-agnostic: a snapshot of H2 restores into PostgreSQL (the server
 * {@code scripts/test-services.sh} starts, or {@code PORTCULLIS_TEST_PG_URL}) and a snapshot of that back into
 * a fresh H2, with every row, NULL, number, boolean and timestamp the same; and it knows every table.
 */
class StoreSnapshotTest {

  static final String PG_URL = env("PORTCULLIS_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/portcullis_test");
  static final String PG_USER = env("PORTCULLIS_TEST_PG_USER", "portcullis");
  static final String PG_PASSWORD = env("PORTCULLIS_TEST_PG_PASSWORD", "portcullis-test-only");
  static final byte[] KEY = BackupArchiveTest.key(3);

  @TempDir
  Path dir;

  static IdentityConfig.Store h2(Path file) {
    return new IdentityConfig.Store("jdbc:h2:file:" + file.toAbsolutePath(), null, null, 2, false, Duration.ofSeconds(30));
  }

  @Test
  void theSnapshotListsEveryTableOfTheSchema() throws Exception {
    try (Database db = Database.open(h2(dir.resolve("schema")))) {
      Set<String> tables = new HashSet<>();
      try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC'")) {
        while (rs.next()) {
          tables.add(rs.getString(1).toLowerCase(Locale.ROOT));
        }
      }
      tables.remove("flyway_schema_history");
      assertThat(StoreSnapshot.TABLES).extracting(StoreSnapshot.Table::name).containsExactlyInAnyOrderElementsOf(tables);
      // Database.open migrated to the newest version; no table claims to come from a later one
      MigrationVersion newest = StoreSnapshot.newestKnown(db.dataSource());
      assertThat(StoreSnapshot.installed(db.dataSource())).isEqualTo(newest);
      assertThat(StoreSnapshot.TABLES).allSatisfy(t -> assertThat(MigrationVersion.fromVersion(String.valueOf(t.since()))
          .isNewerThan(newest)).isFalse());
    }
  }

  @Test
  void anH2SnapshotRestoresIntoPostgresqlAndBackIntoH2Unchanged() throws Exception {
    Map<String, String> fromH2;
    MigrationVersion version;
    try (Database db = Database.open(h2(dir.resolve("a")))) {
      version = StoreSnapshot.installed(db.dataSource());
      try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
        st.execute("INSERT INTO tenants (id, name, created_at, version) VALUES ('acme', 'Acme ''Ltd''', "
            + "TIMESTAMP WITH TIME ZONE '2026-01-02 03:04:05.123456+02:00', 3)");
        st.execute("INSERT INTO users (id, tenant_id, username, email, display_name, status, password_hash, created_at, "
            + "updated_at) VALUES ('u-1', 'acme', 'zoë', NULL, 'Zoë \"Z\" Ünal', 'active', '$argon2id$v=19$x', "
            + "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
        st.execute("INSERT INTO roles (id, tenant_id, name, description, created_at, builtin) VALUES ('r-1', 'acme', "
            + "'admin', NULL, CURRENT_TIMESTAMP, TRUE)");
        st.execute("INSERT INTO role_bindings (id, role_id, user_id, valid_from, valid_until, reason, granted_by, "
            + "created_at) VALUES ('b-1', 'r-1', 'u-1', NULL, TIMESTAMP WITH TIME ZONE '2030-01-01 00:00:00Z', "
            + "'line\nbreak', 'test', CURRENT_TIMESTAMP)");
        st.execute("INSERT INTO access_requests (id, tenant_id, requester_id, target_type, target, reason, "
            + "duration_seconds, status, created_at, expires_at) VALUES ('q-1', 'acme', 'u-1', 'role', 'admin', 'why', "
            + "9000000000, 'pending', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
      }
      fromH2 = snapshot(db.dataSource(), version);
    }
    assertThat(fromH2.get("users")).contains("\"display_name\":\"Zoë \\\"Z\\\" Ünal\"", "\"email\":null");
    assertThat(fromH2.get("roles")).contains("\"builtin\":true");
    assertThat(fromH2.get("tenants")).contains("\"created_at\":\"2026-01-02T01:04:05.123456Z\"", "\"version\":3");
    assertThat(fromH2.get("access_requests")).contains("\"duration_seconds\":9000000000");

    String schema = "b_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection admin = DriverManager.getConnection(PG_URL, PG_USER, PG_PASSWORD);
         Statement st = admin.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    try {
      IdentityConfig.Store pg = new IdentityConfig.Store(PG_URL + "?currentSchema=" + schema, PG_USER, PG_PASSWORD,
          2, false, Duration.ofSeconds(30));
      Map<String, String> fromPg;
      try (HikariDataSource target = StoreSnapshot.open(pg)) {
        assertThat(StoreSnapshot.installed(target)).isNull();
        Map<String, Long> rows = StoreSnapshot.restore(target, version, stage(fromH2, "pg"));
        assertThat(rows).containsEntry("users", 1L).containsEntry("role_bindings", 1L);
        fromPg = snapshot(target, version);
      }
      assertThat(fromPg).isEqualTo(fromH2);
      try (HikariDataSource back = StoreSnapshot.open(h2(dir.resolve("c")))) {
        StoreSnapshot.restore(back, version, stage(fromPg, "h2"));
        assertThat(snapshot(back, version)).isEqualTo(fromH2);
      }
    } finally {
      try (Connection admin = DriverManager.getConnection(PG_URL, PG_USER, PG_PASSWORD);
           Statement st = admin.createStatement()) {
        st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  /** Every table's JSON Lines, through a real archive. */
  private static Map<String, String> snapshot(javax.sql.DataSource source, MigrationVersion version) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BackupArchive.Writer writer = BackupArchive.create(out, KEY);
    StoreSnapshot.dump(source, Integer.parseInt(version.getVersion()), writer);
    writer.finish(new io.vertx.core.json.JsonObject());
    Map<String, String> tables = new LinkedHashMap<>();
    BackupArchive.read(new ByteArrayInputStream(out.toByteArray()), KEY, (name, in) -> tables.put(
        name.substring("store/".length(), name.length() - ".jsonl".length()),
        sorted(new String(in.readAllBytes(), StandardCharsets.UTF_8))));
    return tables;
  }

  /** Row order follows each database's collation; the rows themselves must be equal. */
  private static String sorted(String lines) {
    return lines.lines().sorted().collect(Collectors.joining("\n"));
  }

  private Map<String, Path> stage(Map<String, String> tables, String name) throws Exception {
    Path staging = Files.createDirectories(dir.resolve("staging-" + name));
    Map<String, Path> files = new LinkedHashMap<>();
    for (Map.Entry<String, String> table : tables.entrySet()) {
      Path file = staging.resolve(table.getKey() + ".jsonl");
      Files.writeString(file, table.getValue().isEmpty() ? "" : table.getValue() + "\n");
      files.put(table.getKey(), file);
    }
    return files;
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}

package dev.portcullis.gateway.identity.keycloak;

import dev.portcullis.gateway.config.IdentityConfig;
import org.junit.jupiter.api.AfterEach;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

/**
 * The mirror on a real PostgreSQL server (the one scripts/test-services.sh starts, or
 * {@code PORTCULLIS_TEST_PG_URL}), in a schema of its own per test: savepoints and SQL as H2 runs them.
 */
class RealmMirrorPostgresTest extends RealmMirrorTest {

  static final String URL = env("PORTCULLIS_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/portcullis_test");
  static final String USER = env("PORTCULLIS_TEST_PG_USER", "portcullis");
  static final String PASSWORD = env("PORTCULLIS_TEST_PG_PASSWORD", "portcullis-test-only");

  private String schema;

  @Override
  protected IdentityConfig.Store storeConfig() {
    schema = "k_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL for the tests is not reachable at " + URL + " (" + e.getMessage()
          + "). Run scripts/test-services.sh (needs root) to install and start it.", e);
    }
    return new IdentityConfig.Store(URL + "?currentSchema=" + schema, USER, PASSWORD, 2, false,
        Duration.ofSeconds(30));
  }

  @AfterEach
  void dropSchema() throws SQLException {
    try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}

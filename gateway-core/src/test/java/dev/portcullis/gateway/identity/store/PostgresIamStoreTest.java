package dev.portcullis.gateway.identity.store;

import dev.portcullis.gateway.config.IdentityConfig;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

/**
 * The store contract on a real PostgreSQL server: the one {@code scripts/test-services.sh} installs
 * and starts (as {@code .ci/run} does), or the one {@code PORTCULLIS_TEST_PG_URL} names. Each test
 * gets a schema of its own. Not skipped when the server is missing: the failure says how to start it.
 */
class PostgresIamStoreTest extends IamStoreContract {

  static final String URL = env("PORTCULLIS_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/portcullis_test");
  static final String USER = env("PORTCULLIS_TEST_PG_USER", "portcullis");
  static final String PASSWORD = env("PORTCULLIS_TEST_PG_PASSWORD", "portcullis-test-only");

  private String schema;

  @Override
  protected IdentityConfig.Store emptyStore() {
    schema = "t_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL for the tests is not reachable at " + URL + " (" + e.getMessage()
          + "). Run scripts/test-services.sh (needs root) to install and start it.", e);
    }
    return emptyStoreSameAsLast();
  }

  @org.junit.jupiter.api.AfterEach
  void dropSchema() throws SQLException {
    try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  @Override
  protected IdentityConfig.Store emptyStoreSameAsLast() {
    return new IdentityConfig.Store(URL + "?currentSchema=" + schema, USER, PASSWORD, 4, false, Duration.ofSeconds(30));
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}

package dev.portcullis.gateway.identity.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.portcullis.gateway.config.IdentityConfig;
import org.flywaydb.core.Flyway;

import javax.sql.DataSource;

/** The IAM store's connection pool, migrated to the newest schema when opened. Blocking: workers only. */
public final class Database implements AutoCloseable {

  private final HikariDataSource pool;

  private Database(HikariDataSource pool) {
    this.pool = pool;
  }

  public static Database open(IdentityConfig.Store config) {
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(config.jdbcUrl());
    hikari.setUsername(config.username());
    hikari.setPassword(config.password());
    hikari.setMaximumPoolSize(config.maxPoolSize());
    hikari.setPoolName("portcullis-iam");
    hikari.setConnectionTimeout(5_000);
    hikari.setInitializationFailTimeout(10_000);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(hikari);
    } catch (RuntimeException e) {
      // The driver's message can carry the URL; it never carries the password.
      throw new IamException(IamException.Kind.UNAVAILABLE, "cannot open the IAM store at "
          + redact(config.jdbcUrl()) + ": " + rootMessage(e), e);
    }
    try {
      Flyway.configure().dataSource(pool).locations("classpath:dev/portcullis/gateway/identity/db")
          .failOnMissingLocations(true).load().migrate();
    } catch (RuntimeException e) {
      pool.close();
      throw new IamException(IamException.Kind.UNAVAILABLE, "cannot migrate the IAM store: " + rootMessage(e), e);
    }
    return new Database(pool);
  }

  public DataSource dataSource() {
    return pool;
  }

  @Override
  public void close() {
    pool.close();
  }

  /** A JDBC URL without any {@code password=} parameter. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}

package dev.portcullis.config;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * config/examples/production-cluster.yaml, started as shipped: two instances in one cluster on the
 * test PostgreSQL server (scripts/test-services.sh), a certificate from files, and the OIDC and
 * bearer settings for a Keycloak that is only contacted when someone uses it.
 */
class ProductionExampleTest {

  static final String AUDIT_KEY = java.util.Base64.getEncoder().encodeToString(new byte[] {
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
      31, 32});
  static final String TOTP_KEY = java.util.Base64.getEncoder().encodeToString(new byte[32]);
  private String collectorUrl;
  static final String PG = System.getenv().getOrDefault("PORTCULLIS_TEST_PG_URL",
      "jdbc:postgresql://127.0.0.1:5432/portcullis_test");
  static final String PG_USER = System.getenv().getOrDefault("PORTCULLIS_TEST_PG_USER", "portcullis");
  static final String PG_PASSWORD = System.getenv().getOrDefault("PORTCULLIS_TEST_PG_PASSWORD",
      "portcullis-test-only");

  @TempDir
  Path dir;
  String schema = "example_" + UUID.randomUUID().toString().replace("-", "");

  @AfterEach
  void dropSchema() throws Exception {
    try (Connection c = DriverManager.getConnection(PG, PG_USER, PG_PASSWORD); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  @Test
  void twoInstancesOfTheExampleShareUsersKeysAndSessions() throws Exception {
    try (Connection c = DriverManager.getConnection(PG, PG_USER, PG_PASSWORD); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    // the certificate files the example names: any valid pair will do; the gateway makes one
    Path certs = dir.resolve("certs");
    dev.portcullis.gateway.tls.SelfSignedCertificate.ensure(certs);
    int memberA = ForkedGateway.freePort();
    int memberB = ForkedGateway.freePort();
    try (Backends backends = new Backends()) {
      String upstream = backends.echo();
      // the central collector the example's http audit sink ships to
      java.util.List<String> collected = new java.util.concurrent.CopyOnWriteArrayList<>();
      io.vertx.core.http.HttpServer collector = TestGateway.await(backends.vertx().createHttpServer()
          .requestHandler(req -> req.body().onSuccess(body -> {
            collected.addAll(body.toString().lines().toList());
            req.response().setStatusCode(204).end();
          })).listen(0, "127.0.0.1"));
      collectorUrl = "http://127.0.0.1:" + collector.actualPort() + "/ingest";
      Gateway a = start(env(dir.resolve("a"), certs, memberA, memberA, memberB, upstream, "gw-a"));
      try {
        Gateway b = start(env(dir.resolve("b"), certs, memberB, memberA, memberB, upstream, "gw-b"));
        try {
          Browserless onA = new Browserless("https://127.0.0.1:" + a.publicPort());
          assertThat(onA.login("demo", "portcullis-demo", "/crm").statusCode()).isEqualTo(303);
          Browserless onB = new Browserless("https://127.0.0.1:" + b.publicPort());
          onB.cookies().putAll(onA.cookies());
          assertThat(onB.get("/crm/x").statusCode()).isEqualTo(200);
          assertThat(onB.get("/.well-known/jwks.json").body()).isEqualTo(onA.get("/.well-known/jwks.json").body());
          assertThat(onA.get("/.portcullis/login").body()).contains("Company SSO");
          assertThat(new Browserless("https://127.0.0.1:" + a.publicPort()).get("/status").statusCode())
              .isEqualTo(200);
          // both instances journal their decisions and ship them to the collector
          org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() ->
              collected.stream().anyMatch(l -> l.contains("\"instance\":\"gw-b\"") && l.contains("\"/crm/x\""))
                  && collected.stream().anyMatch(l -> l.contains("\"instance\":\"gw-a\"")
                      && l.contains("\"type\":\"auth.login\"")));
        } finally {
          TestGateway.await(b.shutdown());
        }
      } finally {
        TestGateway.await(a.shutdown());
      }
    }
    // on disk the journal is encrypted, and it verifies with the key
    Path journal = dir.resolve("b/audit");
    String raw = java.nio.file.Files.list(journal).filter(p -> p.toString().endsWith(".jsonl.enc"))
        .map(p -> {
          try {
            return java.nio.file.Files.readString(p);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }).reduce("", String::concat);
    assertThat(raw).isNotEmpty().doesNotContain("/crm");
    assertThat(dev.portcullis.gateway.audit.JournalVerifier.create(dir.resolve("b/audit-signing-key.pem.pub"),
        java.util.Base64.getDecoder().decode(AUDIT_KEY)).verify(journal).problems()).isEmpty();
  }

  private Map<String, String> env(Path data, Path certs, int clusterPort, int memberA, int memberB, String upstream,
      String instance) {
    Map<String, String> env = new HashMap<>();
    env.put("PORTCULLIS_INSTANCE", instance);
    env.put("PORTCULLIS_AUDIT_KEY", AUDIT_KEY);
    env.put("PORTCULLIS_TOTP_KEY", TOTP_KEY);
    env.put("AUDIT_COLLECTOR_URL", collectorUrl);
    env.put("PORTCULLIS_DATA_DIR", data.toString());
    env.put("PORTCULLIS_PUBLIC_HOST", "127.0.0.1");
    env.put("PORTCULLIS_PUBLIC_PORT", "0");
    env.put("PORTCULLIS_ADMIN_PORT", "0");
    env.put("PORTCULLIS_TLS_CERT", certs.resolve("self-signed-cert.pem").toString());
    env.put("PORTCULLIS_TLS_KEY", certs.resolve("self-signed-key.pem").toString());
    env.put("PORTCULLIS_DB_URL", PG + "?currentSchema=" + schema);
    env.put("PORTCULLIS_DB_USER", PG_USER);
    env.put("PORTCULLIS_DB_PASSWORD", PG_PASSWORD);
    env.put("PORTCULLIS_SEED_DEMO", "true");
    env.put("KEYCLOAK_ISSUER", "https://sso.invalid/realms/acme");
    env.put("KEYCLOAK_CLIENT_SECRET", "not-used-here");
    env.put("PORTCULLIS_CLUSTER_HOST", "127.0.0.1");
    env.put("PORTCULLIS_CLUSTER_PORT", Integer.toString(clusterPort));
    env.put("PORTCULLIS_CLUSTER_MEMBER_1", "127.0.0.1:" + memberA);
    env.put("PORTCULLIS_CLUSTER_MEMBER_2", "127.0.0.1:" + memberB);
    env.put("PORTCULLIS_OFFICE_NETWORK", "127.0.0.0/8");
    env.put("RECORDS_UPSTREAM", upstream);
    env.put("CRM_UPSTREAM", upstream);
    return env;
  }

  private static Gateway start(Map<String, String> env) throws Exception {
    GatewayConfig config = ConfigLoader.load(Path.of("examples/production-cluster.yaml"), env::get);
    return TestGateway.await(Gateway.start(config, env::get));
  }
}

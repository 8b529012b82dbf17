package dev.portcullis.config;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
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
 * config/examples/cluster-client.yaml as shipped, against an "external" Hazelcast cluster: one plain
 * member started here (no Portcullis in it), on the test PostgreSQL server. The sessions land in
 * that member's map, and /readyz shows the client's view.
 */
class ClusterClientExampleTest {

  @TempDir
  Path dir;
  private final String schema = "client_" + UUID.randomUUID().toString().replace("-", "");
  private HazelcastInstance external;

  @AfterEach
  void cleanUp() throws Exception {
    if (external != null) {
      external.shutdown();
    }
    try (Connection c = DriverManager.getConnection(ProductionExampleTest.PG, ProductionExampleTest.PG_USER,
        ProductionExampleTest.PG_PASSWORD); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  @Test
  void aGatewayInClientModeKeepsItsSessionsInTheExternalCluster() throws Exception {
    try (Connection c = DriverManager.getConnection(ProductionExampleTest.PG, ProductionExampleTest.PG_USER,
        ProductionExampleTest.PG_PASSWORD); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    String clusterName = "external-" + UUID.randomUUID();
    int hzPort = ForkedGateway.freePort();
    Config hz = new Config().setClusterName(clusterName);
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.getNetworkConfig().setPort(hzPort).setPortAutoIncrement(false).getInterfaces().setEnabled(true)
        .addInterface("127.0.0.1");
    hz.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    hz.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    hz.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + hzPort);
    external = Hazelcast.newHazelcastInstance(hz);

    Path certs = dir.resolve("certs");
    dev.portcullis.gateway.tls.SelfSignedCertificate.ensure(certs);
    try (Backends backends = new Backends()) {
      Map<String, String> env = new HashMap<>();
      env.put("PORTCULLIS_DATA_DIR", dir.resolve("data").toString());
      env.put("PORTCULLIS_PUBLIC_HOST", "127.0.0.1");
      env.put("PORTCULLIS_PUBLIC_PORT", "0");
      env.put("PORTCULLIS_ADMIN_HOST", "127.0.0.1");
      env.put("PORTCULLIS_ADMIN_PORT", "0");
      env.put("PORTCULLIS_TLS_CERT", certs.resolve("self-signed-cert.pem").toString());
      env.put("PORTCULLIS_TLS_KEY", certs.resolve("self-signed-key.pem").toString());
      env.put("PORTCULLIS_DB_URL", ProductionExampleTest.PG + "?currentSchema=" + schema);
      env.put("PORTCULLIS_DB_USER", ProductionExampleTest.PG_USER);
      env.put("PORTCULLIS_DB_PASSWORD", ProductionExampleTest.PG_PASSWORD);
      env.put("PORTCULLIS_SEED_DEMO", "true");
      env.put("PORTCULLIS_TOTP_KEY", ProductionExampleTest.TOTP_KEY);
      env.put("PORTCULLIS_HAZELCAST_CLUSTER", clusterName);
      env.put("PORTCULLIS_HAZELCAST_1", "127.0.0.1:" + hzPort);
      env.put("PORTCULLIS_HAZELCAST_2", "127.0.0.1:" + hzPort);
      env.put("PORTCULLIS_APP_UPSTREAM", backends.echo());
      GatewayConfig config = ConfigLoader.load(Path.of("examples/cluster-client.yaml"), env::get);
      Gateway gateway = TestGateway.await(Gateway.start(config, env::get));
      try {
        Browserless browser = new Browserless("https://127.0.0.1:" + gateway.publicPort());
        assertThat(browser.login("demo", "portcullis-demo", "/app/").statusCode()).isEqualTo(303);
        assertThat(browser.get("/app/x").statusCode()).isEqualTo(200);
        assertThat(external.getMap("portcullis-sessions").size()).isEqualTo(1);
        JsonObject ready = new JsonObject(Https.get(Https.client(),
            "https://127.0.0.1:" + gateway.adminPort() + "/readyz").body());
        assertThat(ready.getJsonObject("cluster").getString("mode")).isEqualTo("client");
        assertThat(ready.getJsonObject("cluster").getInteger("members")).isEqualTo(1);
      } finally {
        TestGateway.await(gateway.shutdown());
      }
    }
  }
}

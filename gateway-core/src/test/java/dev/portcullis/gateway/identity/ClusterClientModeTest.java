package dev.portcullis.gateway.identity;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cluster: { mode: client }}: sessions live in an external Hazelcast cluster, not in the gateway. */
class ClusterClientModeTest {

  @TempDir
  Path dir;

  @Test
  void sessionsAreKeptInTheExternalCluster() {
    int port = ForkedGateway.freePort();
    Config config = new Config();
    config.setClusterName("external-" + port);
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    HazelcastInstance external = Hazelcast.newHazelcastInstance(config);
    try (Backends backends = new Backends()) {
      TestGateway gateway = TestGateway.start(dir, TestGateway.header(dir) + """
          identity:
            store: { jdbcUrl: "jdbc:h2:file:%s", seedDemo: true }
            passwords: { memory: 8MiB, iterations: 1 }
            mfa: { secretKey: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }
          cluster: { mode: client, name: "external-%d", members: [ "127.0.0.1:%d" ] }
          routes:
            - id: app
              match: { pathPrefix: /app }
              upstream: { targets: [ "%s" ] }
          """.formatted(dir.resolve("iam").toAbsolutePath(), port, port, backends.echo()));
      try {
        Browserless browser = new Browserless(gateway.url(""));
        // failure counters use plain map operations: no gateway class has to exist on the members
        assertThat(browser.login("demo", "wrong password", "/app").statusCode()).isEqualTo(401);
        assertThat(external.getMap("portcullis-login-failures").size()).isEqualTo(2);
        assertThat(browser.login("demo", "portcullis-demo", "/app").statusCode()).isEqualTo(303);
        assertThat(browser.get("/app/x").statusCode()).isEqualTo(200);
        assertThat(external.getMap("portcullis-sessions").size()).isEqualTo(1);
        // keyed by the SHA-256 of the id: the map never holds the cookie's value
        assertThat(external.getMap("portcullis-sessions").keySet())
            .doesNotContain(browser.cookies().get("__Host-portcullis"));
        assertThat(external.getCluster().getMembers()).hasSize(1); // the gateway joined as a client only

        // Whoever can write to the cluster cannot make a session: a copied or invented entry fails its seal.
        var sessions = external.<String, com.hazelcast.core.HazelcastJsonValue>getMap("portcullis-sessions");
        var genuine = sessions.values().iterator().next();
        String chosenId = "B".repeat(43);
        sessions.set(dev.portcullis.gateway.identity.Secrets.sha256(chosenId), genuine);
        Browserless intruder = new Browserless(gateway.url(""));
        intruder.cookies().put("__Host-portcullis", chosenId);
        assertThat(intruder.get("/app/x").statusCode()).isEqualTo(401);
        String invented = "C".repeat(43);
        io.vertx.core.json.JsonObject forged = new io.vertx.core.json.JsonObject(genuine.getValue());
        forged.put("session", forged.getString("session").replace("acme", "globex"));
        sessions.set(dev.portcullis.gateway.identity.Secrets.sha256(invented),
            new com.hazelcast.core.HazelcastJsonValue(forged.encode()));
        intruder.cookies().put("__Host-portcullis", invented);
        assertThat(intruder.get("/app/x").statusCode()).isEqualTo(401);
        assertThat(browser.get("/app/x").statusCode()).isEqualTo(200);
      } finally {
        gateway.close();
      }
    } finally {
      external.shutdown();
    }
  }
}

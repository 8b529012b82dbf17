package dev.portcullis.config;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * config/examples/keycloak-source.yaml, started as shipped while its Keycloak is down: the gateway
 * starts, is ready, keeps the routes closed to anonymous requests and reports the realm's mirror as
 * down (the mirroring itself is tested against WireMock and a real Keycloak in gateway-core).
 */
class KeycloakSourceExampleTest {

  @TempDir
  Path dir;

  @Test
  void theExampleStartsWhileKeycloakIsDownAndSaysSo() throws Exception {
    try (Backends backends = new Backends()) {
      Map<String, String> env = Map.of(
          "PORTCULLIS_DATA_DIR", dir.resolve("data").toString(),
          "PORTCULLIS_PUBLIC_HOST", "127.0.0.1",
          "PORTCULLIS_PUBLIC_PORT", "0",
          "PORTCULLIS_ADMIN_PORT", "0",
          "KEYCLOAK_URL", "http://127.0.0.1:" + Backends.closedPort(),
          "KEYCLOAK_SYNC_SECRET", "not-reachable-here",
          "KEYCLOAK_CLIENT_SECRET", "not-used-here",
          "PORTCULLIS_TOTP_KEY", java.util.Base64.getEncoder().encodeToString(new byte[32]),
          "RECORDS_UPSTREAM", backends.echo());
      GatewayConfig config = ConfigLoader.load(Path.of("examples/keycloak-source.yaml"), env::get);
      assertThat(config.identity().source()).isEqualTo(IdentityConfig.Source.KEYCLOAK);
      assertThat(config.identity().keycloak().tenant()).isEqualTo("acme");
      Gateway gateway = TestGateway.await(Gateway.start(config, env::get));
      try {
        String base = "https://127.0.0.1:" + gateway.publicPort();
        String admin = "https://127.0.0.1:" + gateway.adminPort();
        var client = Https.client();
        assertThat(Https.get(client, admin + "/readyz").statusCode()).isEqualTo(200);
        assertThat(Https.get(client, base + "/records/r-1").statusCode()).isEqualTo(401);
        assertThat(Https.get(client, base + "/status").statusCode()).isEqualTo(200);
        assertThat(new Browserless(base).get("/.portcullis/login").body()).contains("Company SSO");
        assertThat(Https.get(client, admin + "/metrics").body())
            .contains("portcullis_keycloak_sync_up{realm=\"acme\"} 0.0");
        assertThat(gateway.identity().keycloak().sync().healthy()).isFalse();
      } finally {
        TestGateway.await(gateway.shutdown());
      }
    }
  }
}

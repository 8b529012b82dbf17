package dev.portcullis.config;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded default configuration of the quick start, started exactly as shipped (ports from the environment). */
class DefaultConfigTest {

  @TempDir
  Path dir;

  @Test
  void theQuickStartConfigurationServesBothSampleBackends() {
    Map<String, String> env = Map.of(
        "PORTCULLIS_DATA_DIR", dir.resolve("data").toString(),
        "PORTCULLIS_PUBLIC_PORT", "0",
        "PORTCULLIS_ADMIN_PORT", "0",
        "ECHO_PORT", Integer.toString(ForkedGateway.freePort()),
        "RECORDS_PORT", Integer.toString(ForkedGateway.freePort()));
    GatewayConfig config = load(env);
    Gateway gateway = TestGateway.await(Gateway.start(config, env::get));
    try {
      HttpClient client = Https.client();
      String base = "https://127.0.0.1:" + gateway.publicPort();
      var echo = Https.get(client, base + "/echo/hello?x=1");
      assertThat(echo.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(echo.body()).getString("path")).isEqualTo("/hello");
      var records = Https.get(client, base + "/records/r-1001");
      assertThat(records.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(records.body()).getString("name")).isEqualTo("Ada Lovelace");
      assertThat(Https.get(client, base + "/elsewhere").statusCode()).isEqualTo(404);
      assertThat(Https.get(client, "https://127.0.0.1:" + gateway.adminPort() + "/readyz").statusCode()).isEqualTo(200);
      assertThat(dir.resolve("data/tls/self-signed-cert.pem")).exists();
    } finally {
      TestGateway.await(gateway.shutdown());
    }
  }

  private static GatewayConfig load(Map<String, String> env) {
    try {
      return ConfigLoader.load(Path.of("gateway.yaml"), env::get);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

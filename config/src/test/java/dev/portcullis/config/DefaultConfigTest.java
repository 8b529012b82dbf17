package dev.portcullis.config;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.support.Browserless;
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
  void theQuickStartConfigurationServesBothSampleBackends() throws Exception {
    int recordsPort = ForkedGateway.freePort();
    Map<String, String> env = Map.of(
        "PORTCULLIS_DATA_DIR", dir.resolve("data").toString(),
        // the records backend fetches the gateway's JWKS, so the public port must be known up front
        "PORTCULLIS_PUBLIC_PORT", Integer.toString(ForkedGateway.freePort()),
        "PORTCULLIS_ADMIN_PORT", "0",
        "PORTCULLIS_CLUSTER_PORT", Integer.toString(ForkedGateway.freePort()),
        "ECHO_PORT", Integer.toString(ForkedGateway.freePort()),
        "RECORDS_PORT", Integer.toString(recordsPort));
    GatewayConfig config = load(env);
    Gateway gateway = TestGateway.await(Gateway.start(config, env::get));
    try {
      HttpClient client = Https.client();
      String base = "https://127.0.0.1:" + gateway.publicPort();
      var echo = Https.get(client, base + "/echo/hello?x=1");
      assertThat(echo.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(echo.body()).getString("path")).isEqualTo("/hello");
      // records: sign-in required; the demo user of tenant acme sees acme's records only
      assertThat(Https.get(client, base + "/records/r-1001").statusCode()).isEqualTo(401);
      Browserless demo = new Browserless(base);
      assertThat(demo.login("demo", "portcullis-demo", "/records").statusCode()).isEqualTo(303);
      var records = demo.get("/records/r-1001");
      assertThat(records.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(records.body()).getString("name")).isEqualTo("Ada Lovelace");
      assertThat(demo.get("/records/r-2001").statusCode()).isEqualTo(404);
      // /secure wants a second factor: a browser is sent to the second-factor page, a script gets 401
      var secure = demo.get("/secure/x", "Accept", "text/html");
      assertThat(secure.statusCode()).isEqualTo(302);
      assertThat(secure.headers().firstValue("location")).hasValue("/.portcullis/mfa?rd=%2Fsecure%2Fx");
      assertThat(new JsonObject(demo.get("/secure/x").body()).getString("key")).isEqualTo("MFA_REQUIRED");
      assertThat(demo.get("/.portcullis/mfa/enrol?rd=%2Fsecure%2Fx").body()).contains("id=\"totp-secret\"");
      Browserless globex = new Browserless(base);
      assertThat(globex.login("globex-demo", "portcullis-demo", "/records").statusCode()).isEqualTo(303);
      assertThat(new JsonObject(globex.get("/records").body()).getJsonArray("records").stream()
          .map(r -> ((JsonObject) r).getString("tenant")).distinct().toList()).containsExactly("globex");
      // the backend itself refuses anyone who did not come through the gateway
      var direct = Https.get(HttpClient.newHttpClient(), "http://127.0.0.1:" + recordsPort + "/records");
      assertThat(direct.statusCode()).isEqualTo(401);
      assertThat(direct.body()).contains("no identity assertion");
      assertThat(Https.get(client, base + "/elsewhere").statusCode()).isEqualTo(404);
      assertThat(Https.get(client, "https://127.0.0.1:" + gateway.adminPort() + "/readyz").statusCode()).isEqualTo(200);
      assertThat(dir.resolve("data/tls/self-signed-cert.pem")).exists();
    } finally {
      TestGateway.await(gateway.shutdown());
    }
    // everything above is in the audit journal, and the journal verifies
    String journal = dev.portcullis.gateway.audit.AuditTrail.raw(dir.resolve("data/audit"));
    assertThat(journal).contains("\"path\":\"/records/r-1001\"", "\"type\":\"auth.login\"")
        .doesNotContain("portcullis-demo");
    assertThat(dev.portcullis.gateway.audit.AuditTrail.verify(dir.resolve("data")).problems()).isEmpty();
  }

  private static GatewayConfig load(Map<String, String> env) {
    try {
      return ConfigLoader.load(Path.of("gateway.yaml"), env::get);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

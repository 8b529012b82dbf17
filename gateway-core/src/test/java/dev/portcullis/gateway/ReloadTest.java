package dev.portcullis.gateway;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Hot reload: a valid file swaps in without dropping requests; an invalid one is refused and reported. */
class ReloadTest {

  @TempDir
  Path dir;

  private String config(String echo, String routes) {
    return TestGateway.header(dir) + "routes:\n" + routes.formatted(echo);
  }

  private static final String ONE_ROUTE = """
        - { id: a, match: { pathPrefix: /a }, upstream: { targets: [ "%1$s" ] }, public: true }
      """;
  private static final String TWO_ROUTES = ONE_ROUTE + """
        - { id: b, match: { pathPrefix: /b }, upstream: { targets: [ "%1$s" ] }, public: true }
      """;

  @Test
  void aValidFileIsAppliedAndAnInvalidOneKeepsTheRunningConfig() throws Exception {
    try (Backends backends = new Backends()) {
      String echo = backends.echo();
      try (TestGateway gateway = TestGateway.start(dir, config(echo, ONE_ROUTE))) {
        HttpClient client = Https.client();
        assertThat(Https.get(client, gateway.url("/b")).statusCode()).isEqualTo(404);

        // a request in flight across the swap completes on the old version
        CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() ->
            Https.get(Https.client(), gateway.url("/a/slow?ms=1500")));
        gateway.rewriteConfig(config(echo, TWO_ROUTES));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(Https.get(client, gateway.url("/b")).statusCode()).isEqualTo(200));
        assertThat(inFlight.get().statusCode()).isEqualTo(200);
        JsonObject ready = new JsonObject(Https.get(client, gateway.adminUrl("/readyz")).body());
        assertThat(ready.getJsonObject("lastConfigReload").getString("result")).isEqualTo("applied");

        // an invalid file: rejected with the same messages as at start, old routes keep serving
        gateway.rewriteConfig(config(echo, TWO_ROUTES.replace("/b }", "b }")));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          JsonObject status = new JsonObject(Https.get(client, gateway.adminUrl("/readyz")).body());
          assertThat(status.getJsonObject("lastConfigReload").getString("result")).isEqualTo("rejected");
          assertThat(status.getJsonObject("lastConfigReload").getJsonArray("problems").getString(0))
              .contains("routes[1].match.pathPrefix: must start with '/'");
        });
        assertThat(Https.get(client, gateway.url("/b")).statusCode()).isEqualTo(200);
        assertThat(Https.get(client, gateway.adminUrl("/readyz")).statusCode()).isEqualTo(200);
        String metrics = Https.get(client, gateway.adminUrl("/metrics")).body();
        assertThat(metrics).contains("portcullis_config_reloads_total{result=\"rejected\"} 1.0")
            .contains("portcullis_config_last_reload_success 0.0");

        // fixing the file applies it again; an explicit reload (SIGHUP) re-reads even an unchanged file
        gateway.rewriteConfig(config(echo, ONE_ROUTE));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(Https.get(client, gateway.url("/b")).statusCode()).isEqualTo(404));
        assertThat(TestGateway.await(gateway.gateway().reload())).isTrue();
      }
    }
  }
}

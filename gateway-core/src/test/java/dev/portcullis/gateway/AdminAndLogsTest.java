package dev.portcullis.gateway;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.portcullis.gateway.observe.JsonLineEncoder;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.RawHttps;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The admin listener (health, readiness, Prometheus), the redirect listener and the access log. */
class AdminAndLogsTest {

  @TempDir
  static Path dir;

  static Backends backends;
  static TestGateway gateway;
  static ListAppender<ILoggingEvent> accessLog = new ListAppender<>();

  @BeforeAll
  static void start() {
    Logger access = (Logger) LoggerFactory.getLogger("portcullis.access");
    accessLog.start();
    access.addAppender(accessLog);
    backends = new Backends();
    gateway = TestGateway.start(dir, """
        dataDir: %s
        listeners:
          public: { host: 127.0.0.1, port: 0 }
          admin: { host: 127.0.0.1, port: 0 }
          redirect: { host: 127.0.0.1, port: 0, httpsPort: 8443 }
        trustedProxies: [ 127.0.0.1 ]
        routes:
          - { id: echo, match: { pathPrefix: / }, upstream: { targets: [ "%s" ] }, public: true }
        """.formatted(dir.resolve("data"), backends.echo()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
    ((Logger) LoggerFactory.getLogger("portcullis.access")).detachAppender(accessLog);
  }

  @Test
  void healthReadinessAndMetricsAreServedOverHttps() {
    HttpClient client = Https.client();
    assertThat(Https.get(client, gateway.url("/metrics-check")).statusCode()).isEqualTo(200);
    assertThat(Https.get(client, gateway.url("/status/503")).statusCode()).isEqualTo(503);
    assertThat(new JsonObject(Https.get(client, gateway.adminUrl("/healthz")).body()).getString("status"))
        .isEqualTo("UP");
    var ready = Https.get(client, gateway.adminUrl("/readyz"));
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ready.body()).getJsonObject("components").getString("config")).isEqualTo("UP");
    String metrics = Https.get(client, gateway.adminUrl("/metrics")).body();
    assertThat(metrics)
        .contains("portcullis_requests_total{route=\"echo\",status=\"200\"}")
        .contains("portcullis_requests_total{route=\"echo\",status=\"503\"}")
        .contains("portcullis_upstream_latency_seconds_bucket{route=\"echo\"")
        .contains("portcullis_open_connections{listener=\"public\"}")
        .contains("portcullis_config_last_reload_success 1.0")
        .contains("jvm_memory_used_bytes");
    // the public listener does not serve admin endpoints
    assertThat(Https.get(client, gateway.url("/readyz")).body()).doesNotContain("components");
  }

  @Test
  void plainHttpOnlyRedirectsToHttps() throws Exception {
    var client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    var response = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + gateway.gateway().redirectPort() + "/echo/x?y=1"))
        .POST(HttpRequest.BodyPublishers.ofString("never forwarded")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(308);
    assertThat(response.headers().firstValue("location")).hasValue("https://127.0.0.1:8443/echo/x?y=1");
    assertThat(response.body()).isEmpty();
  }

  @Test
  void oneJsonAccessLinePerRequestWithoutSecrets() throws Exception {
    accessLog.list.clear();
    RawHttps.Response response = RawHttps.exchange(gateway.port(), "GET /logged/path?token=s3cr3t-query HTTP/1.1\r\n"
        + "Host: localhost\r\n"
        + "Authorization: Bearer s3cr3t-bearer\r\n"
        + "Cookie: session=s3cr3t-cookie\r\n"
        + "X-Forwarded-For: 203.0.113.77\r\n"
        + "Connection: close\r\n\r\n");
    String requestId = response.headers().get("x-request-id");
    await().atMost(Duration.ofSeconds(5)).until(() -> accessLog.list.stream()
        .anyMatch(e -> e.getKeyValuePairs().stream().anyMatch(kv -> requestId.equals(kv.value))));
    ILoggingEvent event = accessLog.list.stream()
        .filter(e -> e.getKeyValuePairs().stream().anyMatch(kv -> requestId.equals(kv.value))).findFirst().orElseThrow();
    JsonLineEncoder encoder = new JsonLineEncoder();
    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
    assertThat(line).endsWith("\n").doesNotContain("\n\n");
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("logger")).isEqualTo("portcullis.access");
    assertThat(json.getString("route")).isEqualTo("echo");
    assertThat(json.getInteger("status")).isEqualTo(200);
    assertThat(json.getString("requestId")).isEqualTo(requestId);
    assertThat(json.getString("method")).isEqualTo("GET");
    assertThat(json.getString("path")).isEqualTo("/logged/path");
    // 127.0.0.1 is a trusted proxy here, so the client is the address it forwarded for
    assertThat(json.getString("client")).isEqualTo("203.0.113.77");
    assertThat(json.getDouble("durationMs")).isPositive();
    assertThat(line).doesNotContain("s3cr3t");
    List<String> allLines = accessLog.list.stream().map(e -> new String(encoder.encode(e), StandardCharsets.UTF_8)).toList();
    assertThat(String.join("", allLines)).doesNotContain("s3cr3t");
  }

  @Test
  void forwardingHeadersFromATrustedPeerAreExtendedNotReplaced() throws Exception {
    RawHttps.Response response = RawHttps.exchange(gateway.port(), "GET /trusted HTTP/1.1\r\nHost: localhost\r\n"
        + "X-Forwarded-For: 203.0.113.77\r\nForwarded: for=203.0.113.77\r\nX-Request-Id: edge-id-7\r\n"
        + "Connection: close\r\n\r\n");
    JsonObject headers = new JsonObject(response.body()).getJsonObject("headers");
    // a trusted proxy's request id is kept, and the upstream learns the resolved client
    assertThat(response.headers().get("x-request-id")).isEqualTo("edge-id-7");
    assertThat(headers.getJsonArray("x-request-id").getList()).containsExactly("edge-id-7");
    assertThat(headers.getJsonArray("x-real-ip").getList()).containsExactly("203.0.113.77");
    assertThat(headers.getJsonArray("x-forwarded-for").getList()).containsExactly("203.0.113.77, 127.0.0.1");
    assertThat(headers.getJsonArray("forwarded").getString(0)).startsWith("for=203.0.113.77, for=127.0.0.1;");
  }
}

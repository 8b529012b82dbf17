package dev.portcullis.plugins.audithttp;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.RawHttps;
import dev.portcullis.gateway.support.TestGateway;
import dev.portcullis.plugin.testkit.TestCertificates;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Through a real gateway: the core binds the options from YAML, and its shipper delivers access events. */
class HttpSinkGatewayTest {

  @TempDir
  Path dir;

  @Test
  void theGatewayShipsItsAccessEventsToTheCollector() throws Exception {
    Vertx vertx = Vertx.vertx();
    TestCertificates ca = TestCertificates.authority(dir.resolve("pki"), "collector-ca");
    AtomicInteger hits = new AtomicInteger();
    try (Collector collector = new Collector(vertx, ca.server("collector")).start();
         Backends backends = new Backends();
         TestGateway gateway = TestGateway.start(dir, TestGateway.header(dir) + """
             audit:
               sinks:
                 - http:
                     url: %s
                     headers: { Authorization: "Bearer test-token" }
                     tls: { caFile: pki/collector-ca.pem }
                   name: collector
                   batchSize: 50
                   retry: { initial: 50ms, max: 1s }
             routes:
               - id: main
                 match: { pathPrefix: / }
                 upstream: { targets: [ "%s" ] }
                 public: true
             """.formatted(collector.url("/ingest"), backends.counting(hits)))) {
      assertThat(RawHttps.get(gateway.port(), "/hello").status()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(20)).until(() -> collector.received.stream()
          .flatMap(post -> post.lines().stream()).map(JsonObject::new)
          .anyMatch(event -> "access".equals(event.getString("type")) && "/hello".equals(event.getString("path"))));
      Collector.Received post = collector.received.get(0);
      assertThat(post.headers().get("Authorization")).isEqualTo("Bearer test-token");
      assertThat(post.headers().get("Idempotency-Key")).contains("-");
    } finally {
      Collector.await(vertx.close());
    }
  }
}

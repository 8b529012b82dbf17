package dev.portcullis.plugins.audithttp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.audit.AuditTrail;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.RawHttps;
import dev.portcullis.gateway.support.TestGateway;
import dev.portcullis.plugin.testkit.TestCertificates;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nothing is lost on the way to the central copy: not while the collector is down under steady
 * traffic, and not when the gateway restarts while it is down. A real gateway, its journal and
 * shipper, the http sink plugin, and a real HTTPS collector.
 */
class NoLossTest {

  @TempDir
  Path dir;
  Vertx vertx;
  Backends backends;
  Collector collector;
  String yaml;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    backends = new Backends();
    TestCertificates ca = TestCertificates.authority(dir.resolve("pki"), "collector-ca");
    collector = new Collector(vertx, ca.server("collector")).start();
    yaml = TestGateway.header(dir) + """
        audit:
          sinks:
            - http: { url: %s, tls: { caFile: pki/collector-ca.pem } }
              name: central
              batchSize: 20
              retry: { initial: 20ms, max: 300ms }
        routes:
          - id: main
            match: { pathPrefix: / }
            upstream: { targets: [ "%s" ] }
            public: true
        """.formatted(collector.url("/ingest"), backends.counting(new AtomicInteger()));
  }

  @AfterEach
  void stop() {
    collector.close();
    backends.close();
    Collector.await(vertx.close());
  }

  private static void traffic(TestGateway gateway, String prefix, int from, int to) {
    for (int i = from; i < to; i++) {
      try {
        assertThat(RawHttps.get(gateway.port(), "/" + prefix + "/" + i).status()).isEqualTo(200);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** Every event id in the journal. */
  private List<String> journalIds() {
    return AuditTrail.records(dir.resolve("data/audit")).stream().map(r -> r.get("id").asText()).toList();
  }

  private List<JsonNode> accessTo(String prefix) {
    return AuditTrail.matching(dir.resolve("data/audit"), r -> r.path("path").asText().startsWith("/" + prefix + "/"));
  }

  @Test
  void aCollectorDownUnderSteadyTrafficGetsEveryEventOnceItIsBack() {
    try (TestGateway gateway = TestGateway.start(dir, yaml)) {
      traffic(gateway, "steady", 0, 40);
      collector.stop(); // connections refused from now on
      traffic(gateway, "steady", 40, 120);
      collector.start(); // same port
      traffic(gateway, "steady", 120, 160);

      assertThat(accessTo("steady")).hasSize(160);
      await().atMost(Duration.ofSeconds(30)).until(() -> new HashSet<>(collector.acceptedIds())
          .containsAll(journalIds()));
      assertThat(Set.copyOf(collector.acceptedIds())).containsAll(accessTo("steady").stream()
          .map(r -> r.get("id").asText()).toList());
    }
  }

  @Test
  void aGatewayRestartWhileTheCollectorRefusesLosesNothingAndResendsLittle() {
    Set<String> beforeRestart;
    try (TestGateway gateway = TestGateway.start(dir, yaml)) {
      traffic(gateway, "a", 0, 30);
      await().atMost(Duration.ofSeconds(30)).until(() -> new HashSet<>(collector.acceptedIds())
          .containsAll(journalIds()));
      beforeRestart = Set.copyOf(collector.acceptedIds());
      collector.status(503); // the collector answers, but refuses every batch
      traffic(gateway, "b", 0, 30);
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.received.stream().anyMatch(r -> r.status() == 503));
    }
    int acceptedBefore = collector.acceptedIds().size();
    collector.status(200);
    try (TestGateway gateway = TestGateway.start(dir, yaml)) {
      traffic(gateway, "c", 0, 20);
      await().atMost(Duration.ofSeconds(30)).until(() -> new HashSet<>(collector.acceptedIds())
          .containsAll(journalIds()));
    }
    assertThat(accessTo("b")).hasSize(30);
    assertThat(Set.copyOf(collector.acceptedIds())).containsAll(accessTo("b").stream().map(r -> r.get("id").asText())
        .toList());
    // the persisted offset was used: what the collector had accepted before the restart was not sent again
    List<String> afterRestart = collector.acceptedIds().subList(acceptedBefore, collector.acceptedIds().size());
    assertThat(afterRestart).doesNotContainAnyElementsOf(beforeRestart);
  }
}

package dev.portcullis.plugins.auditkafka;

import dev.portcullis.plugin.audit.AuditRecord;
import dev.portcullis.plugin.audit.AuditSink;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The sink against a real broker: delivery, failure while the broker is down, redelivery after it is back. */
class KafkaSinkTest {

  private static KafkaBroker broker;
  private static Vertx vertx;

  @TempDir
  Path configDir;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    try {
      if (vertx != null) {
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    } finally {
      if (broker != null) {
        broker.close();
      }
    }
  }

  @Test
  void deliversEveryRecordWithTheEventIdAsKeyAndTheJsonAsValue() throws Exception {
    TestSupport.createTopic(broker.bootstrap(), "audit-delivery", 3);
    AuditSink sink = sink("audit-delivery", "30s");
    try {
      List<AuditRecord> first = TestSupport.records(1, 300);
      List<AuditRecord> second = TestSupport.records(301, 1);

      deliver(sink, first).get(60, TimeUnit.SECONDS);
      deliver(sink, second).get(60, TimeUnit.SECONDS);

      Map<String, List<String>> seen = TestSupport.consume(broker.bootstrap(), "audit-delivery", 301);
      Map<String, List<String>> expected = Stream.concat(first.stream(), second.stream())
          .collect(Collectors.toMap(AuditRecord::eventId, r -> List.of(r.json())));
      assertThat(seen).isEqualTo(expected);
    } finally {
      sink.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aBatchSentWhileTheBrokerIsDownFailsWithinTheTimeoutAndArrivesWhenRetriedAfterARestart() throws Exception {
    TestSupport.createTopic(broker.bootstrap(), "audit-outage", 1);
    AuditSink sink = sink("audit-outage", "3s");
    try {
      List<AuditRecord> before = TestSupport.records(1, 50);
      deliver(sink, before).get(60, TimeUnit.SECONDS);

      broker.stop();
      List<AuditRecord> during = TestSupport.records(51, 50);
      long started = System.nanoTime();
      CompletableFuture<Void> failed = deliver(sink, during);
      assertThatThrownBy(() -> failed.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("Kafka did not acknowledge 50 of 50 records for topic 'audit-outage'");
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertThat(took).isBetween(Duration.ofMillis(2500), Duration.ofSeconds(8));

      broker.restart();
      // What the shipper does: retry the whole batch until it is accepted.
      await("redelivery after the restart").atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> {
            deliver(sink, during).get(30, TimeUnit.SECONDS);
            return true;
          });

      Map<String, List<String>> seen = TestSupport.consume(broker.bootstrap(), "audit-outage", 100);
      assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(
          Stream.concat(before.stream(), during.stream()).map(AuditRecord::eventId).toList());
      Map<String, String> json = Stream.concat(before.stream(), during.stream())
          .collect(Collectors.toMap(AuditRecord::eventId, AuditRecord::json));
      seen.forEach((id, values) -> assertThat(values).allMatch(json.get(id)::equals));
    } finally {
      sink.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aBatchForAClusterNeverReachedFailsWithinTheTimeoutNotOncePerRecord() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    KafkaSinkConfig config = new KafkaSinkConfig("127.0.0.1:" + port, "audit-nowhere", null, null, "2s");
    AuditSink sink = new KafkaSinkFactory().create(config, TestSupport.setup(vertx, configDir));
    try {
      long started = System.nanoTime();
      CompletableFuture<Void> failed = deliver(sink, TestSupport.records(1, 100));
      assertThatThrownBy(() -> failed.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("topic 'audit-nowhere'");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(7));
    } finally {
      sink.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aClosedSinkRefusesBatches() throws Exception {
    AuditSink sink = sink("audit-closed", "3s");
    sink.close().await(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> deliver(sink, TestSupport.records(1, 1)).get(10, TimeUnit.SECONDS))
        .hasMessageContaining("audit sink 'central' is closed");
  }

  private AuditSink sink(String topic, String deliveryTimeout) {
    KafkaSinkConfig config = new KafkaSinkConfig(broker.bootstrap(), topic, null, null, deliveryTimeout);
    return new KafkaSinkFactory().create(config, TestSupport.setup(vertx, configDir));
  }

  /** Calls {@code deliver} on an event loop, as the core's shipper does. */
  private static CompletableFuture<Void> deliver(AuditSink sink, List<AuditRecord> batch) {
    Promise<Void> promise = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> sink.deliver(batch).onComplete(promise));
    return promise.future().toCompletionStage().toCompletableFuture();
  }

}

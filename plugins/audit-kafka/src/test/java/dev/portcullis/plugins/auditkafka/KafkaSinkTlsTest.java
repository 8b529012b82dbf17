package dev.portcullis.plugins.auditkafka;

import dev.portcullis.plugin.audit.AuditRecord;
import dev.portcullis.plugin.audit.AuditSink;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sink over mutual TLS to a real broker whose TLS listener requires a client certificate. */
class KafkaSinkTlsTest {

  @TempDir
  static Path configDir;

  private static KafkaBroker broker;
  private static Vertx vertx;

  @BeforeAll
  static void startBroker() throws Exception {
    TestPki.write(configDir.resolve("pki"));
    broker = KafkaBroker.start(configDir.resolve("pki"));
    vertx = Vertx.vertx();
    TestSupport.createTopic(broker.bootstrap(), "audit-tls", 1);
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
  void deliversOverMutualTlsWithPathsRelativeToTheConfiguration() throws Exception {
    AuditSink sink = sink(new KafkaSinkConfig.Tls("pki/ca.pem", "pki/client.pem", "pki/client.key"));
    try {
      List<AuditRecord> batch = TestSupport.records(1, 20);
      deliver(sink, batch).get(60, TimeUnit.SECONDS);

      Map<String, List<String>> seen = TestSupport.consume(broker.bootstrap(), "audit-tls", 20);
      assertThat(seen).isEqualTo(batch.stream().collect(Collectors.toMap(AuditRecord::eventId,
          r -> List.of(r.json()))));
    } finally {
      sink.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void withoutAClientCertificateTheBatchFails() throws Exception {
    AuditSink sink = sink(new KafkaSinkConfig.Tls("pki/ca.pem", null, null));
    try {
      assertThatThrownBy(() -> deliver(sink, TestSupport.records(1, 5)).get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("topic 'audit-tls'")
          .hasMessageContaining("SslAuthenticationException");
    } finally {
      sink.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aBrokerCertificateFromAnotherCaIsRefused() throws Exception {
    TestPki.write(configDir.resolve("other"));
    AuditSink sink = sink(new KafkaSinkConfig.Tls("other/ca.pem", "pki/client.pem", "pki/client.key"));
    try {
      assertThatThrownBy(() -> deliver(sink, TestSupport.records(1, 5)).get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("topic 'audit-tls'")
          .hasMessageContaining("SslAuthenticationException");
    } finally {
      sink.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static AuditSink sink(KafkaSinkConfig.Tls tls) {
    KafkaSinkConfig config = new KafkaSinkConfig(broker.tlsBootstrap(), "audit-tls", null, tls, "3s");
    return new KafkaSinkFactory().create(config, TestSupport.setup(vertx, configDir));
  }

  private static CompletableFuture<Void> deliver(AuditSink sink, List<AuditRecord> batch) {
    Promise<Void> promise = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> sink.deliver(batch).onComplete(promise));
    return promise.future().toCompletionStage().toCompletableFuture();
  }
}

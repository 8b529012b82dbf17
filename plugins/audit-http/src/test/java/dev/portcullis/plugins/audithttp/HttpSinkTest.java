package dev.portcullis.plugins.audithttp;

import dev.portcullis.plugin.audit.AuditRecord;
import dev.portcullis.plugin.audit.AuditSink;
import dev.portcullis.plugin.testkit.SinkHarness;
import dev.portcullis.plugin.testkit.TestCertificates;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Against a real HTTPS collector on a free port, with real TLS handshakes. */
class HttpSinkTest {

  private static final String SECRET = "Splunk 8f1c-very-secret-token-77";

  @TempDir
  Path dir;

  private Vertx vertx;
  private TestCertificates ca;
  private Collector collector;
  private SinkHarness<HttpSinkConfig> harness;
  private final List<AuditSink> sinks = new ArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    ca = TestCertificates.authority(dir.resolve("pki"), "collector-ca");
    collector = new Collector(vertx, ca.server("collector")).start();
    harness = SinkHarness.of(new HttpSinkFactory(), vertx, dir);
  }

  @AfterEach
  void stop() {
    sinks.forEach(sink -> assertThat(harness.close(sink).succeeded()).isTrue());
    collector.close();
    Collector.await(vertx.close());
  }

  private AuditSink sink(Map<String, Object> options) {
    AuditSink sink = harness.create(options);
    sinks.add(sink);
    return sink;
  }

  /** The usual options: the test CA as a path relative to the configuration's directory. */
  private Map<String, Object> options(String path) {
    Map<String, Object> options = new HashMap<>();
    options.put("url", collector.url(path));
    options.put("headers", Map.of("Authorization", SECRET));
    options.put("tls", Map.of("caFile", "pki/collector-ca.pem"));
    return options;
  }

  private static List<AuditRecord> records(int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(i -> SinkHarness.record(i, "access",
        "\"decision\":\"allow\"", "\"path\":\"/r/" + i + "\"")).toList();
  }

  private static String everything(Throwable failure) {
    StringWriter out = new StringWriter();
    failure.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  @Test
  void aBatchArrivesAsJsonLinesInJournalOrderWithItsHeaders() {
    List<AuditRecord> batch = records(7, 9);
    AsyncResult<Void> result = harness.deliver(sink(options("/ingest?source=portcullis")), batch);

    assertThat(result.succeeded()).as(String.valueOf(result.cause())).isTrue();
    assertThat(collector.received).hasSize(1);
    Collector.Received post = collector.received.get(0);
    assertThat(post.path()).isEqualTo("/ingest?source=portcullis");
    assertThat(post.lines()).containsExactlyElementsOf(batch.stream().map(AuditRecord::json).toList());
    assertThat(post.body()).endsWith("\n");
    assertThat(post.headers().get("Content-Type")).isEqualTo("application/x-ndjson");
    assertThat(post.headers().get("Authorization")).isEqualTo(SECRET);
    assertThat(post.headers().get("X-Portcullis-Batch")).isEqualTo("7-9");
    assertThat(post.headers().get("Idempotency-Key")).isEqualTo("evt-7-evt-9");
  }

  @Test
  void aCollectorErrorFailsTheBatchNamingTheStatusButNotTheHeaders() {
    collector.status(500);
    AsyncResult<Void> result = harness.deliver(sink(options("/ingest")), records(1, 2));

    assertThat(result.failed()).isTrue();
    assertThat(result.cause().getMessage()).contains("500").contains("127.0.0.1").contains("records 1-2");
    assertThat(everything(result.cause())).doesNotContain(SECRET).doesNotContain("8f1c");
    assertThat(collector.received).hasSize(1);

    collector.status(202);
    assertThat(harness.deliver(sinks.get(0), records(1, 2)).succeeded()).isTrue();
  }

  @Test
  void aStoppedCollectorFailsTheBatchAndTheSameBatchSucceedsOnceItIsBack() {
    AuditSink sink = sink(options("/ingest"));
    assertThat(harness.deliver(sink, records(1, 1)).succeeded()).isTrue();

    collector.stop();
    List<AuditRecord> batch = records(2, 5);
    AsyncResult<Void> down = harness.deliver(sink, batch);
    assertThat(down.failed()).isTrue();
    assertThat(down.cause().getMessage()).contains("127.0.0.1");
    assertThat(everything(down.cause())).doesNotContain(SECRET);

    collector.start();
    AsyncResult<Void> back = harness.deliver(sink, batch);
    assertThat(back.succeeded()).as(String.valueOf(back.cause())).isTrue();
    assertThat(collector.received.get(collector.received.size() - 1).lines())
        .containsExactlyElementsOf(batch.stream().map(AuditRecord::json).toList());
  }

  @Test
  void aCollectorThatDoesNotAnswerFailsTheBatchAfterTheTimeout() {
    collector.silent();
    Map<String, Object> options = options("/ingest");
    options.put("timeout", "300ms");
    long started = System.nanoTime();
    AsyncResult<Void> result = harness.deliver(sink(options), records(1, 1));
    assertThat(result.failed()).isTrue();
    assertThat(result.cause().getMessage()).contains("127.0.0.1");
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(5_000);
  }

  @Test
  void anUntrustedCollectorCertificateIsRefusedAndTheConfiguredCaIsTrusted() {
    Map<String, Object> jvmTrust = options("/ingest");
    jvmTrust.remove("tls");
    AsyncResult<Void> refused = harness.deliver(sink(jvmTrust), records(1, 1));
    assertThat(refused.failed()).isTrue();
    assertThat(everything(refused.cause())).containsIgnoringCase("certificat");

    TestCertificates other = TestCertificates.authority(dir.resolve("pki"), "other-ca");
    Map<String, Object> wrongCa = options("/ingest");
    wrongCa.put("tls", Map.of("caFile", other.cert().toString()));
    assertThat(harness.deliver(sink(wrongCa), records(1, 1)).failed()).isTrue();
    assertThat(collector.received).isEmpty();

    AsyncResult<Void> trusted = harness.deliver(sink(options("/ingest")), records(1, 1));
    assertThat(trusted.succeeded()).as(String.valueOf(trusted.cause())).isTrue();
    assertThat(collector.received).hasSize(1);
  }

  @Test
  void aBatchLargerThanMaxBatchBytesIsSentAsSeveralPostsInOrder() {
    Map<String, Object> options = options("/ingest");
    options.put("maxBatchBytes", "1KiB");
    List<AuditRecord> batch = IntStream.rangeClosed(1, 10).mapToObj(i -> SinkHarness.record(i, "access",
        "\"pad\":\"" + "x".repeat(300) + "\"")).toList();

    assertThat(harness.deliver(sink(options), batch).succeeded()).isTrue();

    assertThat(collector.received).hasSizeGreaterThan(1);
    assertThat(collector.received).allSatisfy(post -> assertThat(post.body().length()).isLessThanOrEqualTo(1024));
    assertThat(collector.received.stream().flatMap(post -> post.lines().stream()).toList())
        .containsExactlyElementsOf(batch.stream().map(AuditRecord::json).toList());
    assertThat(collector.received.get(0).headers().get("X-Portcullis-Batch")).startsWith("1-");
  }
}

package dev.portcullis.plugins.auditsyslog;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Against a real syslog-over-TLS receiver on a free port, with real TLS handshakes. */
class SyslogSinkTest {

  private static final String BOM = "\uFEFF";

  @TempDir
  Path dir;

  private Vertx vertx;
  private TestCertificates ca;
  private final List<SyslogCollector> collectors = new ArrayList<>();
  private SyslogCollector collector;
  private SinkHarness<SyslogSinkConfig> harness;
  private final List<AuditSink> sinks = new ArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    ca = TestCertificates.authority(dir.resolve("pki"), "syslog-ca");
    collector = collector(new SyslogCollector(vertx, ca.server("syslog")));
    harness = SinkHarness.of(new SyslogSinkFactory(), vertx, dir).instanceId("gw-1");
  }

  @AfterEach
  void stop() {
    sinks.forEach(sink -> assertThat(harness.close(sink).succeeded()).isTrue());
    collectors.forEach(SyslogCollector::close);
    SyslogCollector.await(vertx.close());
  }

  private SyslogCollector collector(SyslogCollector started) {
    collectors.add(started.start());
    return started;
  }

  private SyslogSink sink(Map<String, Object> options) {
    AuditSink sink = harness.create(options);
    sinks.add(sink);
    return (SyslogSink) sink;
  }

  private Map<String, Object> options(SyslogCollector target) {
    Map<String, Object> options = new HashMap<>();
    options.put("host", "127.0.0.1");
    options.put("port", target.port());
    options.put("tls", new HashMap<>(Map.of("caFile", "pki/syslog-ca.pem")));
    return options;
  }

  private static String everything(Throwable failure) {
    StringWriter out = new StringWriter();
    failure.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  private static String expected(int pri, String time, String msgId, String sd, AuditRecord record) {
    return "<" + pri + ">1 " + time + " gw-1 portcullis - " + msgId + " " + sd + " " + BOM + record.json();
  }

  @Test
  void eachRecordBecomesOneRfc5424MessageWithPriMsgidStructuredDataAndTheJson() {
    AuditRecord allow = SinkHarness.record(1, "access", "\"decision\":\"allow\"", "\"path\":\"/caf\u00e9\"");
    AuditRecord deny = SinkHarness.record(2, "access", "\"decision\":\"deny\"", "\"status\":403");
    AuditRecord lockout = SinkHarness.record(3, "auth.lockout", "\"reason\":\"locked\"");
    AuditRecord session = SinkHarness.record(4, "session.created");
    AuditRecord odd = new AuditRecord("odd\"]\\id", 5, "{\"v\":1,\"id\":\"odd\",\"time\":\"2026-01-02T03:04:05.123456789Z\","
        + "\"type\":\"plugin.a-rather-long-policy-id.some-event\"}");
    List<AuditRecord> batch = List.of(allow, deny, lockout, session, odd);

    AsyncResult<Void> result = harness.deliver(sink(options(collector)), batch);

    assertThat(result.succeeded()).as(String.valueOf(result.cause())).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> collector.messages.size() == 5);
    List<String> texts = collector.messages.stream().map(SyslogCollector.Message::text).toList();
    // authpriv = 10: notice 85, warning 84, info 86
    assertThat(texts).containsExactly(
        expected(85, "2026-01-02T03:04:05.001Z", "access", "[portcullis@32473 id=\"evt-1\" seq=\"1\"]", allow),
        expected(84, "2026-01-02T03:04:05.002Z", "access", "[portcullis@32473 id=\"evt-2\" seq=\"2\"]", deny),
        expected(84, "2026-01-02T03:04:05.003Z", "auth.lockout", "[portcullis@32473 id=\"evt-3\" seq=\"3\"]",
            lockout),
        expected(86, "2026-01-02T03:04:05.004Z", "session.created", "[portcullis@32473 id=\"evt-4\" seq=\"4\"]",
            session),
        expected(86, "2026-01-02T03:04:05.123456Z", "plugin.a-rather-long-policy-id.s",
            "[portcullis@32473 id=\"odd\\\"\\]\\\\id\" seq=\"5\"]", odd));
    // the frame length counts bytes: the UTF-8 body and the BOM (EF BB BF) right before it
    byte[] first = collector.messages.get(0).bytes();
    int bom = texts.get(0).indexOf(BOM);
    assertThat(new byte[] {first[bom], first[bom + 1], first[bom + 2]})
        .containsExactly((byte) 0xEF, (byte) 0xBB, (byte) 0xBF);
  }

  @Test
  void facilityAppNameAndHostnameAreConfigurable() {
    Map<String, Object> options = options(collector);
    options.putAll(Map.of("facility", "local4", "appName", "edge-gw", "hostname", "edge-1.example"));
    AuditRecord allow = SinkHarness.record(1, "access", "\"decision\":\"allow\"");

    assertThat(harness.deliver(sink(options), List.of(allow)).succeeded()).isTrue();

    await().atMost(Duration.ofSeconds(10)).until(() -> collector.messages.size() == 1);
    assertThat(collector.messages.get(0).text()).isEqualTo("<165>1 2026-01-02T03:04:05.001Z edge-1.example edge-gw - "
        + "access [portcullis@32473 id=\"evt-1\" seq=\"1\"] " + BOM + allow.json());
  }

  @Test
  void mutualTlsPresentsTheConfiguredClientCertificate() {
    TestCertificates clients = TestCertificates.authority(dir.resolve("pki"), "client-ca");
    TestCertificates.Pem gateway = clients.client("gateway");
    SyslogCollector strict = collector(new SyslogCollector(vertx, ca.server("strict"))
        .requireClientCertificate(clients));
    Map<String, Object> options = options(strict);
    options.put("tls", Map.of("caFile", "pki/syslog-ca.pem", "certFile", gateway.cert().toString(),
        "keyFile", dir.relativize(gateway.key()).toString()));

    AsyncResult<Void> result = harness.deliver(sink(options), List.of(SinkHarness.record(1, "session.created")));

    assertThat(result.succeeded()).as(String.valueOf(result.cause())).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> strict.messages.size() == 1);
    assertThat(strict.messages.get(0).clientSubject()).contains("CN=gateway");
  }

  @Test
  void aServerThatClosesTheConnectionFailsDeliveryAndTheNextDeliveryReconnects() {
    SyslogSink sink = sink(options(collector));
    assertThat(harness.deliver(sink, List.of(SinkHarness.record(1, "session.created"))).succeeded()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> collector.messages.size() == 1);
    assertThat(sink.connected()).isTrue();

    collector.slam(); // the open connection is closed, and so is every new one
    await().atMost(Duration.ofSeconds(10)).until(() -> !sink.connected());
    List<AuditRecord> batch = List.of(SinkHarness.record(2, "access", "\"decision\":\"deny\""),
        SinkHarness.record(3, "access", "\"decision\":\"allow\""));
    AsyncResult<Void> refused = harness.deliver(sink, batch);
    assertThat(refused.failed()).isTrue();
    assertThat(refused.cause().getMessage()).startsWith("cannot deliver records 2-3 to syslog tls://127.0.0.1:")
        .doesNotContain("Connection refused");

    collector.stop();
    collector.start();
    AsyncResult<Void> again = harness.deliver(sink, batch);
    assertThat(again.succeeded()).as(String.valueOf(again.cause())).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> collector.messages.size() == 3);
    assertThat(collector.messages.get(2).text()).contains("[portcullis@32473 id=\"evt-3\" seq=\"3\"]");
  }

  @Test
  void aCollectorWithAnUntrustedCertificateIsRefused() {
    Map<String, Object> jvmTrust = options(collector);
    jvmTrust.remove("tls");
    AsyncResult<Void> refused = harness.deliver(sink(jvmTrust), List.of(SinkHarness.record(1, "session.created")));
    assertThat(refused.failed()).isTrue();
    assertThat(everything(refused.cause())).containsIgnoringCase("certificat");

    TestCertificates other = TestCertificates.authority(dir.resolve("pki"), "other-ca");
    Map<String, Object> wrongCa = options(collector);
    wrongCa.put("tls", Map.of("caFile", other.cert().toString()));
    assertThat(harness.deliver(sink(wrongCa), List.of(SinkHarness.record(1, "session.created"))).failed()).isTrue();

    assertThat(harness.deliver(sink(options(collector)), List.of(SinkHarness.record(1, "session.created")))
        .succeeded()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> collector.messages.size() == 1);
  }

  @Test
  void aCertificateForAnotherHostIsRefused() {
    // the certificate names localhost, 127.0.0.1 and ::1; the collector is reached as 127.0.0.2
    SyslogCollector elsewhere = new SyslogCollector(vertx, ca.server("syslog-elsewhere")).host("127.0.0.2");
    collector(elsewhere);
    Map<String, Object> options = options(elsewhere);
    options.put("host", "127.0.0.2");
    AsyncResult<Void> refused = harness.deliver(sink(options), List.of(SinkHarness.record(1, "session.created")));
    assertThat(refused.failed()).isTrue();
    assertThat(everything(refused.cause())).contains("No subject alternative names matching IP address 127.0.0.2");
    assertThat(elsewhere.messages).isEmpty();
  }

  @Test
  void plainTcpToALoopbackCollectorWhenTlsIsDisabled() {
    SyslogCollector plain = collector(new SyslogCollector(vertx, null));
    Map<String, Object> options = options(plain);
    options.put("tls", Map.of("enabled", false));
    assertThat(harness.deliver(sink(options), List.of(SinkHarness.record(1, "session.created"))).succeeded()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> plain.messages.size() == 1);
  }
}

package dev.portcullis.plugins.auditsyslog;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.RawHttps;
import dev.portcullis.gateway.support.TestGateway;
import dev.portcullis.plugin.testkit.TestCertificates;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Through a real gateway: the core binds the options from YAML, and its shipper delivers access events. */
class SyslogSinkGatewayTest {

  @TempDir
  Path dir;

  @Test
  void theGatewayShipsItsAccessEventsToTheSyslogCollector() throws Exception {
    Vertx vertx = Vertx.vertx();
    TestCertificates ca = TestCertificates.authority(dir.resolve("pki"), "syslog-ca");
    TestCertificates clients = TestCertificates.authority(dir.resolve("pki"), "client-ca");
    clients.client("gateway");
    AtomicInteger hits = new AtomicInteger();
    try (SyslogCollector collector = new SyslogCollector(vertx, ca.server("syslog")).requireClientCertificate(clients)
        .start();
         Backends backends = new Backends();
         TestGateway gateway = TestGateway.start(dir, TestGateway.header(dir) + """
             audit:
               instance: gw-test-1
               sinks:
                 - syslog:
                     host: 127.0.0.1
                     port: %d
                     tls:
                       caFile: pki/syslog-ca.pem
                       certFile: pki/client-ca-gateway-cert.pem
                       keyFile: pki/client-ca-gateway-key.pem
                     facility: local3
                   retry: { initial: 50ms, max: 1s }
             routes:
               - id: main
                 match: { pathPrefix: / }
                 upstream: { targets: [ "%s" ] }
                 public: true
             """.formatted(collector.port(), backends.counting(hits)))) {
      assertThat(RawHttps.get(gateway.port(), "/hello").status()).isEqualTo(200);

      // local3 = 19, notice = 5: <157>
      await().atMost(Duration.ofSeconds(20)).until(() -> collector.messages.stream().map(SyslogCollector.Message::text)
          .anyMatch(text -> text.startsWith("<157>1 ") && text.contains(" gw-test-1 portcullis - access [portcullis@32473 id=\"")
              && text.contains("\"path\":\"/hello\"")));
      assertThat(collector.messages.get(0).clientSubject()).contains("CN=gateway");
    } finally {
      SyslogCollector.await(vertx.close());
    }
  }
}

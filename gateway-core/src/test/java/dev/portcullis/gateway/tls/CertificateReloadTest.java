package dev.portcullis.gateway.tls;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.RawHttps;
import dev.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Certificate files replaced on disk are served to new handshakes without a restart or dropped connection. */
class CertificateReloadTest {

  @TempDir
  Path dir;

  private static java.math.BigInteger servedSerial(int port) throws Exception {
    try (SSLSocket socket = (SSLSocket) Https.trustingContext().getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  private static java.math.BigInteger serialOf(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return ((X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(in)).getSerialNumber();
    }
  }

  @Test
  void newCertificateIsServedAndOpenConnectionsKeepWorking() throws Exception {
    SelfSignedCertificate.KeyPairFiles first = SelfSignedCertificate.ensure(dir.resolve("first"));
    SelfSignedCertificate.KeyPairFiles second = SelfSignedCertificate.ensure(dir.resolve("second"));
    Path cert = dir.resolve("gw.pem");
    Path key = dir.resolve("gw.key");
    Files.copy(first.cert(), cert);
    Files.copy(first.key(), key);
    try (Backends backends = new Backends();
         TestGateway gateway = TestGateway.start(dir, """
             dataDir: %s
             listeners:
               public: { host: 127.0.0.1, port: 0, tls: { cert: %s, key: %s, reloadInterval: 100ms } }
               admin: { host: 127.0.0.1, port: 0 }
             routes:
               - { id: main, match: { pathPrefix: / }, upstream: { targets: [ "%s" ] }, public: true }
             """.formatted(dir.resolve("data"), cert, key, backends.echo()))) {
      assertThat(servedSerial(gateway.port())).isEqualTo(serialOf(first.cert()));
      try (RawHttps open = new RawHttps(gateway.port())) {
        open.write("GET /before HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(open.read().status()).isEqualTo(200);

        // a half-written pair (key missing its content) is refused; the old certificate keeps serving
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
        Files.copy(second.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
        await().pollDelay(Duration.ofMillis(400)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
            assertThat(servedSerial(gateway.port())).isEqualTo(serialOf(first.cert())));

        Files.copy(second.key(), key, StandardCopyOption.REPLACE_EXISTING);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(servedSerial(gateway.port())).isEqualTo(serialOf(second.cert())));

        // the connection opened before the swap still carries requests
        open.write("GET /after HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(open.read().status()).isEqualTo(200);
      }
    }
  }
}

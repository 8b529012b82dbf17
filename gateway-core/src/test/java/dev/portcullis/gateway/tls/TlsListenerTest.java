package dev.portcullis.gateway.tls;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Handshakes against the real listener: versions, cipher suites, ALPN, the self-signed certificate. */
class TlsListenerTest {

  @TempDir
  static Path dir;

  static Backends backends;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.singleRoute(dir, backends.echo()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  private static SSLSocket handshake(String protocol, String... alpn) throws IOException {
    SSLSocket socket = (SSLSocket) Https.trustingContext().getSocketFactory().createSocket("127.0.0.1", gateway.port());
    SSLParameters params = socket.getSSLParameters();
    params.setProtocols(new String[] {protocol});
    if (alpn.length > 0) {
      params.setApplicationProtocols(alpn);
    }
    socket.setSSLParameters(params);
    socket.setSoTimeout(10_000);
    socket.startHandshake();
    return socket;
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
  void modernProtocolsNegotiateAnAeadSuite(String protocol) throws Exception {
    try (SSLSocket socket = handshake(protocol)) {
      assertThat(socket.getSession().getProtocol()).isEqualTo(protocol);
      assertThat(socket.getSession().getCipherSuite()).containsAnyOf("_GCM_", "CHACHA20_POLY1305");
      assertThat(TlsPolicy.CIPHER_SUITES).contains(socket.getSession().getCipherSuite());
    }
  }

  @Test
  void aClientOfferingOnlyCbcSuitesIsRefused() throws Exception {
    SSLSocket socket = (SSLSocket) Https.trustingContext().getSocketFactory().createSocket("127.0.0.1", gateway.port());
    try (socket) {
      socket.setEnabledProtocols(new String[] {"TLSv1.2"});
      socket.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"});
      assertThatThrownBy(socket::startHandshake).isInstanceOf(javax.net.ssl.SSLException.class);
    }
  }

  @Test
  void alpnOffersH2ThenHttp11() throws Exception {
    try (SSLSocket socket = handshake("TLSv1.3", "h2", "http/1.1")) {
      assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
    }
    try (SSLSocket socket = handshake("TLSv1.3", "http/1.1")) {
      assertThat(socket.getApplicationProtocol()).isEqualTo("http/1.1");
    }
  }

  @Test
  void withoutConfiguredCertificateASelfSignedOneIsGeneratedForLocalhost() throws Exception {
    Path cert = dir.resolve("data/tls/self-signed-cert.pem");
    assertThat(cert).exists();
    assertThat(dir.resolve("data/tls/self-signed-key.pem")).exists();
    assertThat(Files.getPosixFilePermissions(dir.resolve("data/tls/self-signed-key.pem")))
        .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    try (SSLSocket socket = handshake("TLSv1.3")) {
      X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
      assertThat(served.getSubjectX500Principal().getName()).contains("CN=localhost");
      assertThat(served.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))))
          .contains("localhost", "127.0.0.1");
    }
  }

  @Test
  void everyResponseCarriesHsts() {
    var response = Https.get(Https.client(), gateway.url("/nothing-here"));
    assertThat(response.headers().firstValue("strict-transport-security"))
        .hasValue("max-age=31536000; includeSubDomains");
  }
}

package dev.portcullis.gateway.tls;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.net.http.HttpClient;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The same TLS policy holds on the JDK engine ({@code tls.engine: jdk}) as on BoringSSL. */
class JdkTlsEngineTest {

  @TempDir
  Path dir;

  @Test
  void theJdkEngineServesTheSamePolicy() throws Exception {
    try (Backends backends = new Backends();
         TestGateway gateway = TestGateway.start(dir, """
             dataDir: %s
             listeners:
               public: { host: 127.0.0.1, port: 0, tls: { engine: jdk } }
               admin: { host: 127.0.0.1, port: 0 }
             routes:
               - { id: main, match: { pathPrefix: / }, upstream: { targets: [ "%s" ] }, public: true }
             """.formatted(dir.resolve("data"), backends.echo()))) {
      for (String protocol : new String[] {"TLSv1.2", "TLSv1.3"}) {
        try (SSLSocket socket = (SSLSocket) Https.trustingContext().getSocketFactory()
            .createSocket("127.0.0.1", gateway.port())) {
          SSLParameters params = socket.getSSLParameters();
          params.setProtocols(new String[] {protocol});
          params.setApplicationProtocols(new String[] {"h2", "http/1.1"});
          socket.setSSLParameters(params);
          socket.startHandshake();
          assertThat(socket.getSession().getProtocol()).isEqualTo(protocol);
          assertThat(TlsPolicy.CIPHER_SUITES).contains(socket.getSession().getCipherSuite());
          assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
        }
      }
      try (SSLSocket socket = (SSLSocket) Https.trustingContext().getSocketFactory()
          .createSocket("127.0.0.1", gateway.port())) {
        socket.setEnabledProtocols(new String[] {"TLSv1.2"});
        socket.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});
        assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLException.class);
      }
      assertThat(Https.get(Https.client(HttpClient.Version.HTTP_2), gateway.url("/x")).statusCode()).isEqualTo(200);
    }
  }
}

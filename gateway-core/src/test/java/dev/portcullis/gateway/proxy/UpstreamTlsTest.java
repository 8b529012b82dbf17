package dev.portcullis.gateway.proxy;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import dev.portcullis.gateway.tls.SelfSignedCertificate;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** TLS towards upstreams verifies the certificate unless told otherwise. */
class UpstreamTlsTest {

  @TempDir
  Path dir;

  @Test
  void anUntrustedUpstreamCertificateIsRefusedAndATrustedCaIsAccepted() {
    SelfSignedCertificate.KeyPairFiles upstreamPair = SelfSignedCertificate.ensure(dir.resolve("upstream-tls"));
    try (Backends backends = new Backends()) {
      HttpServer https = backends.vertx().createHttpServer(new HttpServerOptions().setSsl(true)
              .setKeyCertOptions(new PemKeyCertOptions().setCertPath(upstreamPair.cert().toString())
                  .setKeyPath(upstreamPair.key().toString())))
          .requestHandler(req -> req.response().end(new JsonObject().put("secure", req.isSSL()).encode()));
      TestGateway.await(https.listen(0, "127.0.0.1"));
      String target = "https://127.0.0.1:" + https.actualPort();
      try (TestGateway gateway = TestGateway.start(dir, TestGateway.header(dir) + """
          routes:
            - id: default-verify
              match: { pathPrefix: /default }
              upstream: { targets: [ "%1$s" ], circuitBreaker: { minimumCalls: 1000 } }
              public: true
            - id: with-ca
              match: { pathPrefix: /with-ca }
              upstream: { targets: [ "%1$s" ], tls: { caFile: %2$s } }
              public: true
          """.formatted(target, upstreamPair.cert()))) {
        var refused = Https.get(Https.client(), gateway.url("/default"));
        assertThat(refused.statusCode()).isEqualTo(502);
        assertThat(new JsonObject(refused.body()).getString("key")).isEqualTo("UPSTREAM_TLS_FAILED");

        var trusted = Https.get(Https.client(), gateway.url("/with-ca"));
        assertThat(trusted.statusCode()).as(trusted.body()).isEqualTo(200);
        assertThat(new JsonObject(trusted.body()).getBoolean("secure")).isTrue();
      }
    }
  }
}

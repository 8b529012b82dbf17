package dev.portcullis.plugins.ipallowlist;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.RawHttps;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Through a real gateway on a free port: a spoofed X-Forwarded-For from an untrusted peer does not get in. */
class IpAllowlistGatewayTest {

  @TempDir
  Path dir;

  @Test
  void aSpoofedForwardedForFromAnUntrustedPeerIsDeniedAndTheBackendNeverCalled() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    try (Backends backends = new Backends();
         TestGateway gateway = TestGateway.start(dir, TestGateway.header(dir) + """
             networks:
               office: [ 192.0.2.0/24 ]
               loopback: [ 127.0.0.0/8, "::1" ]
             routes:
               - id: office-only
                 match: { pathPrefix: /office }
                 upstream: { targets: [ "%1$s" ] }
                 policies:
                   - ip-allowlist: { allow: [ office ] }
               - id: local
                 match: { pathPrefix: /local }
                 upstream: { targets: [ "%1$s" ] }
                 policies:
                   - ip-allowlist: { allow: [ loopback ] }
             """.formatted(backends.counting(hits)))) {
      RawHttps.Response spoofed = RawHttps.exchange(gateway.port(), "GET /office/x HTTP/1.1\r\nHost: localhost\r\n"
          + "X-Forwarded-For: 192.0.2.10\r\nForwarded: for=192.0.2.10\r\nX-Real-IP: 192.0.2.10\r\n"
          + "Connection: close\r\n\r\n");
      assertThat(spoofed.status()).isEqualTo(403);
      JsonObject problem = new JsonObject(spoofed.body());
      assertThat(problem.getString("key")).isEqualTo("IP_NOT_ALLOWED");
      assertThat(hits.get()).isZero();

      // the same gateway lets the real peer in where its network is allowed
      RawHttps.Response local = RawHttps.get(gateway.port(), "/local/x");
      assertThat(local.status()).isEqualTo(200);
      assertThat(hits.get()).isEqualTo(1);
    }
  }
}

package dev.portcullis.gateway.proxy;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.RawHttps;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Every listener and route limit, exceeded on purpose, with the status the client gets. */
class LimitsTest {

  @TempDir
  static Path dir;

  static Backends backends;
  static TestGateway gateway;
  static final AtomicInteger smallHits = new AtomicInteger();

  @BeforeAll
  static void start() {
    backends = new Backends();
    String echo = backends.echo();
    String counting = backends.counting(smallHits);
    gateway = TestGateway.start(dir, TestGateway.header(dir) + """
        limits:
          maxRequestLine: 1024
          maxHeaderSize: 4KiB
          maxBodySize: 1MiB
          idleTimeout: 1s
          maxConnections: 3
        routes:
          - id: small
            match: { pathPrefix: /small }
            upstream: { targets: [ "%2$s" ] }
            maxBodySize: 100
            public: true
          - id: small-echo
            match: { pathPrefix: /reads-body }
            upstream: { targets: [ "%1$s" ] }
            maxBodySize: 100
            public: true
          - id: echo
            match: { pathPrefix: / }
            upstream: { targets: [ "%1$s" ] }
            public: true
        """.formatted(echo, counting));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  @Test
  void aRequestLineOverTheLimitIs414() throws Exception {
    RawHttps.Response response = RawHttps.get(gateway.port(), "/" + "a".repeat(2000));
    assertThat(response.status()).isEqualTo(414);
  }

  @Test
  void headersOverTheLimitAre431() throws Exception {
    RawHttps.Response response = RawHttps.exchange(gateway.port(),
        "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "b".repeat(6000) + "\r\nConnection: close\r\n\r\n");
    assertThat(response.status()).isEqualTo(431);
  }

  @Test
  void aDeclaredBodyOverTheRouteLimitIs413AndNeverReachesTheUpstream() throws Exception {
    int before = smallHits.get();
    RawHttps.Response response = RawHttps.exchange(gateway.port(),
        "POST /small HTTP/1.1\r\nHost: localhost\r\nContent-Length: 101\r\n\r\n" + "x".repeat(101));
    assertThat(response.status()).isEqualTo(413);
    assertThat(new JsonObject(response.body()).getString("key")).isEqualTo("BODY_TOO_LARGE");
    assertThat(smallHits.get()).isEqualTo(before);
    // exactly at the limit passes
    RawHttps.Response ok = RawHttps.exchange(gateway.port(),
        "POST /small HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\nConnection: close\r\n\r\n" + "x".repeat(100));
    assertThat(ok.status()).isEqualTo(200);
  }

  @Test
  void aDeclaredBodyOverTheLimitIsRefusedBeforeContinue() throws Exception {
    try (RawHttps raw = new RawHttps(gateway.port())) {
      raw.write("PUT /small HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
      RawHttps.Response response = raw.read();
      assertThat(response.status()).isEqualTo(413);
    }
  }

  @Test
  void aChunkedBodyThatGrowsPastTheLimitIs413() throws Exception {
    try (RawHttps raw = new RawHttps(gateway.port())) {
      raw.write("POST /reads-body HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
      String chunk = "y".repeat(60);
      raw.write(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
      raw.write(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
      raw.write("0\r\n\r\n");
      RawHttps.Response response = raw.read();
      assertThat(response.status()).isEqualTo(413);
    }
  }

  @Test
  void theDefaultBodyLimitAppliesToRoutesWithoutTheirOwn() {
    HttpResponse<String> response = Https.send(Https.client(), HttpRequest.newBuilder(URI.create(gateway.url("/up")))
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024 * 1024 + 1])).build());
    assertThat(response.statusCode()).isEqualTo(413);
  }

  @Test
  void anIdleConnectionIsClosedByTheGateway() throws Exception {
    try (RawHttps raw = new RawHttps(gateway.port())) {
      raw.write("GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n");
      assertThat(raw.read().status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).until(raw::closedByPeer);
    }
  }

  @Test
  void connectionsOverTheLimitGet503() throws Exception {
    // connections kept alive by other tests' clients close within the 1s idle timeout
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.gateway().metrics().publicConnections().get() == 0);
    List<RawHttps> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        RawHttps raw = new RawHttps(gateway.port());
        open.add(raw);
        raw.write("GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(raw.read().status()).isEqualTo(200);
      }
      RawHttps.Response over = RawHttps.get(gateway.port(), "/x");
      assertThat(over.status()).isEqualTo(503);
      assertThat(new JsonObject(over.body()).getString("key")).isEqualTo("TOO_MANY_CONNECTIONS");
    } finally {
      for (RawHttps raw : open) {
        raw.close();
      }
    }
    // once the others are gone, connections are accepted again
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(gateway.gateway().metrics().publicConnections().get()).isEqualTo(0));
    assertThat(RawHttps.get(gateway.port(), "/x").status()).isEqualTo(200);
  }
}

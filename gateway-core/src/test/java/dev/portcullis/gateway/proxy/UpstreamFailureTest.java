package dev.portcullis.gateway.proxy;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** 502, 504 and 503: each answered as problem+json without internals, each against a real socket. */
class UpstreamFailureTest {

  @TempDir
  static Path dir;

  static Backends backends;
  static TestGateway gateway;
  static final AtomicInteger resetConnections = new AtomicInteger();
  static final AtomicInteger flakyHits = new AtomicInteger();

  @BeforeAll
  static void start() {
    backends = new Backends();
    String echo = backends.echo();
    // accepts and immediately closes every connection: an upstream that resets
    NetServer resetting = backends.vertx().createNetServer().connectHandler(socket -> {
      resetConnections.incrementAndGet();
      socket.close();
    });
    TestGateway.await(resetting.listen(0, "127.0.0.1"));
    String counting = backends.counting(flakyHits);
    int closed = Backends.closedPort();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + """
        routes:
          - id: refused
            match: { pathPrefix: /refused }
            upstream: { targets: [ "http://127.0.0.1:%2$d" ], circuitBreaker: { minimumCalls: 1000 } }
            public: true
          - id: slow
            match: { pathPrefix: /slow }
            upstream: { targets: [ "%1$s" ], timeouts: { responseHeader: 300ms } }
            public: true
          - id: reset
            match: { pathPrefix: /reset }
            upstream: { targets: [ "http://127.0.0.1:%3$d" ], circuitBreaker: { minimumCalls: 1000 } }
            public: true
          - id: breaker
            match: { pathPrefix: /breaker }
            upstream:
              targets: [ "http://127.0.0.1:%2$d" ]
              circuitBreaker: { minimumCalls: 4, slidingWindowSize: 4, failureRateThreshold: 50, openDuration: 1h }
            public: true
          - id: ejection
            match: { pathPrefix: /ejection }
            upstream:
              targets: [ "http://127.0.0.1:%2$d", "%4$s" ]
              ejection: { consecutiveFailures: 1, duration: 1h }
              circuitBreaker: { minimumCalls: 1000 }
            public: true
        """.formatted(echo, closed, resetting.actualPort(), counting));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  private static JsonObject problem(HttpResponse<String> response, int status, String key) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
    assertThat(response.body()).doesNotContain("Exception", "\tat ", "io.netty", "io.vertx");
    JsonObject json = new JsonObject(response.body());
    assertThat(json.getString("key")).isEqualTo(key);
    assertThat(json.getInteger("status")).isEqualTo(status);
    return json;
  }

  @Test
  void aRefusedConnectionIs502() {
    problem(Https.get(Https.client(), gateway.url("/refused/x")), 502, "UPSTREAM_UNREACHABLE");
  }

  @Test
  void anUpstreamThatClosesWithoutAnsweringIs502() {
    int before = resetConnections.get();
    problem(Https.get(Https.client(), gateway.url("/reset/x")), 502, "UPSTREAM_FAILED");
    assertThat(resetConnections.get()).isGreaterThan(before);
  }

  @Test
  void anUpstreamSlowerThanTheResponseHeaderTimeoutIs504() {
    problem(Https.get(Https.client(), gateway.url("/slow?ms=5000")), 504, "UPSTREAM_TIMEOUT");
    // and a fast answer on the same route still passes
    assertThat(Https.get(Https.client(), gateway.url("/slow?ms=1")).statusCode()).isEqualTo(200);
  }

  @Test
  void aSlowUploadIsTheClientsTimeNotAnUpstreamTimeout() throws Exception {
    // the body takes ~900 ms to arrive; the route's response-header timeout is 300 ms and starts
    // only once the body has been sent
    java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try (java.util.concurrent.SubmissionPublisher<java.nio.ByteBuffer> body = new java.util.concurrent.SubmissionPublisher<>()) {
      var sent = java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.url("/slow/upload")))
          .POST(java.net.http.HttpRequest.BodyPublishers.fromPublisher(body)).build();
      var pending = Https.client().sendAsync(sent, java.net.http.HttpResponse.BodyHandlers.ofString());
      for (int i = 0; i < 3; i++) {
        int n = i;
        timer.schedule(() -> body.submit(java.nio.ByteBuffer.wrap(("part" + n).getBytes())), 300L * (i + 1),
            java.util.concurrent.TimeUnit.MILLISECONDS);
      }
      timer.schedule(body::close, 1000, java.util.concurrent.TimeUnit.MILLISECONDS);
      HttpResponse<String> response = pending.get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(new JsonObject(response.body()).getLong("bodyLength")).isEqualTo(15);
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void theCircuitOpensAfterRepeatedFailuresAndThenAnswers503WithoutCallingTheUpstream() {
    HttpClient client = Https.client();
    for (int i = 0; i < 4; i++) {
      problem(Https.get(client, gateway.url("/breaker/" + i)), 502, "UPSTREAM_UNREACHABLE");
    }
    problem(Https.get(client, gateway.url("/breaker/open")), 503, "UPSTREAM_CIRCUIT_OPEN");
  }

  @Test
  void aFailingTargetIsEjectedAndTrafficGoesToTheHealthyOne() {
    HttpClient client = Https.client();
    int before = flakyHits.get();
    int failures = 0;
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> response = Https.get(client, gateway.url("/ejection/" + i));
      if (response.statusCode() == 502) {
        failures++;
      } else {
        assertThat(response.body()).isEqualTo("counted");
      }
    }
    // round-robin would fail every other request; after one failure the dead target is skipped
    assertThat(failures).isLessThanOrEqualTo(1);
    assertThat(flakyHits.get() - before).isGreaterThanOrEqualTo(9);
  }
}

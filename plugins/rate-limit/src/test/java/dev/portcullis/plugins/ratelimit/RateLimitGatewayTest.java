package dev.portcullis.plugins.ratelimit;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances in one cluster, as behind a load balancer: one limit for both (the buckets live in
 * Hazelcast), 429 with Retry-After and RateLimit-* headers, and the backend not reached when over.
 */
class RateLimitGatewayTest {

  @TempDir
  Path dir;

  @Test
  void aLimitHoldsAcrossInstancesAndAnswers429WithoutReachingTheBackend() throws Exception {
    int portA = ForkedGateway.freePort();
    int portB = ForkedGateway.freePort();
    String members = "  members: [ \"127.0.0.1:" + portA + "\", \"127.0.0.1:" + portB + "\" ]";
    String jdbc = "jdbc:h2:mem:rate-limit-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    AtomicInteger hits = new AtomicInteger();
    try (Backends backends = new Backends()) {
      String routes = """
          routes:
            - id: api
              match: { pathPrefix: /api }
              upstream: { targets: [ "%s" ] }
              authentication: optional
              policies:
                - rate-limit: { per: client, limit: 4, window: 1h }
                - test-decision: { decision: allow }
          """.formatted(backends.counting(hits));
      Path dirA = Files.createDirectories(dir.resolve("a"));
      Path dirB = Files.createDirectories(dir.resolve("b"));
      try (TestGateway a = TestGateway.start(dirA, TestGateway.header(dirA) + IdentityYaml.of(jdbc, portA, "",
              members) + routes);
          TestGateway b = TestGateway.start(dirB, TestGateway.header(dirB) + IdentityYaml.of(jdbc, portB, "",
              members) + routes)) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
            b.gateway().identity().hazelcast().getCluster().getMembers().size() == 2);
        HttpClient client = Https.client();
        int ok = 0;
        for (int i = 0; i < 8; i++) {
          HttpResponse<String> response = Https.get(client, (i % 2 == 0 ? a : b).url("/api/x"));
          if (response.statusCode() == 200) {
            ok++;
            assertThat(response.headers().firstValue("ratelimit-limit")).hasValue("4");
          } else {
            assertThat(response.statusCode()).isEqualTo(429);
            assertThat(new JsonObject(response.body()).getString("key")).isEqualTo("RATE_LIMITED");
            assertThat(response.headers().firstValue("retry-after")).hasValue("900"); // 4 per hour: one per 15 min
            assertThat(response.headers().firstValue("ratelimit-remaining")).hasValue("0");
          }
        }
        assertThat(ok).isEqualTo(4);
        assertThat(hits.get()).isEqualTo(4);
      }
    }
  }
}

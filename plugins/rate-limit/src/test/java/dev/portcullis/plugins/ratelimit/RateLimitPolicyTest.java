package dev.portcullis.plugins.ratelimit;

import dev.portcullis.gateway.limits.LocalTokenBuckets;
import dev.portcullis.gateway.support.MutableClock;
import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.testkit.FakeRequest;
import dev.portcullis.plugin.testkit.PolicyHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Socket-free: the policy against fake requests sharing one set of buckets on a clock the test moves. */
class RateLimitPolicyTest {

  private final PolicyHarness<RateLimitConfig> harness = PolicyHarness.of(new RateLimitPolicyFactory()).route("api");
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
  private final LocalTokenBuckets buckets = new LocalTokenBuckets(clock);

  private FakeRequest request(String client, String subject) {
    FakeRequest request = FakeRequest.get("/api/x").from(client).clock(clock).buckets(buckets).route("api");
    return subject == null ? request : request.identity(new Identity(subject, "acme", Set.of(), Set.of(), Map.of()));
  }

  @Test
  void underTheLimitItAbstainsAndSaysWhatIsLeft() {
    Policy policy = harness.create(Map.of("limit", 60, "window", "1m", "burst", 3));
    FakeRequest first = request("192.0.2.1", "u-1");
    assertThat(harness.evaluate(policy, first)).isEqualTo(Decision.abstain());
    assertThat(first.responseHeaders()).containsExactlyInAnyOrderEntriesOf(Map.of("RateLimit-Limit", "60",
        "RateLimit-Remaining", "2", "RateLimit-Reset", "1"));
  }

  @Test
  void overTheLimitIs429WithRetryAfterUntilTheBucketRefills() {
    Policy policy = harness.create(Map.of("limit", 2, "window", "10s"));
    assertThat(harness.evaluate(policy, request("192.0.2.1", "u-1"))).isEqualTo(Decision.abstain());
    assertThat(harness.evaluate(policy, request("192.0.2.1", "u-1"))).isEqualTo(Decision.abstain());
    FakeRequest third = request("192.0.2.1", "u-1");
    assertThat(harness.evaluate(policy, third)).isEqualTo(Decision.deny(429, "RATE_LIMITED",
        "too many requests; try again in 5 s"));
    assertThat(third.responseHeaders()).containsEntry("Retry-After", "5").containsEntry("RateLimit-Remaining", "0")
        .containsEntry("RateLimit-Reset", "10");
    clock.advance(Duration.ofSeconds(5));
    assertThat(harness.evaluate(policy, request("192.0.2.1", "u-1"))).isEqualTo(Decision.abstain());
  }

  @Test
  void bucketsBelongToTheIdentityTheAddressOrTheRoute() {
    Policy perIdentity = harness.create(Map.of("limit", 1, "window", "1h"));
    assertThat(harness.evaluate(perIdentity, request("192.0.2.1", "u-1"))).isEqualTo(Decision.abstain());
    assertThat(harness.evaluate(perIdentity, request("192.0.2.2", "u-1")).getClass()).isEqualTo(Decision.Deny.class);
    assertThat(harness.evaluate(perIdentity, request("192.0.2.1", "u-2"))).isEqualTo(Decision.abstain());
    // anonymous requests fall back to their address
    assertThat(harness.evaluate(perIdentity, request("192.0.2.9", null))).isEqualTo(Decision.abstain());
    assertThat(harness.evaluate(perIdentity, request("192.0.2.9", null)).getClass()).isEqualTo(Decision.Deny.class);

    Policy perClient = harness.create(Map.of("per", "client", "limit", 1, "window", "1h"));
    assertThat(harness.evaluate(perClient, request("192.0.2.1", "u-1"))).isEqualTo(Decision.abstain());
    assertThat(harness.evaluate(perClient, request("192.0.2.1", "u-2")).getClass()).isEqualTo(Decision.Deny.class);
    assertThat(harness.evaluate(perClient, request("192.0.2.3", "u-1"))).isEqualTo(Decision.abstain());

    Policy perRoute = harness.create(Map.of("per", "route", "limit", 2, "window", "1h"));
    assertThat(harness.evaluate(perRoute, request("192.0.2.1", "u-1"))).isEqualTo(Decision.abstain());
    assertThat(harness.evaluate(perRoute, request("192.0.2.2", "u-2"))).isEqualTo(Decision.abstain());
    assertThat(harness.evaluate(perRoute, request("192.0.2.3", null)).getClass()).isEqualTo(Decision.Deny.class);
  }

  @Test
  void anIpv6ClientIsCountedByIts64() {
    Policy perClient = harness.create(Map.of("per", "client", "limit", 1, "window", "1h"));
    assertThat(harness.evaluate(perClient, request("2001:db8:1:2::1", null))).isEqualTo(Decision.abstain());
    assertThat(harness.evaluate(perClient, request("2001:db8:1:2:ffff::9", null)).getClass())
        .isEqualTo(Decision.Deny.class); // the same /64
    assertThat(harness.evaluate(perClient, request("2001:db8:1:3::1", null))).isEqualTo(Decision.abstain());
    assertThat(RateLimitPolicy.client("192.0.2.7")).isEqualTo("ip:192.0.2.7");
    assertThat(RateLimitPolicy.client("2001:db8:1:2::1")).isEqualTo("ip6:20010db800010002/64");
  }

  @Test
  void withSeveralLimitsTheClientSeesTheTightestOne() {
    Policy perMinute = harness.create(Map.of("limit", 2, "window", "1m"));
    Policy perDay = harness.create(Map.of("limit", 1000, "window", "1d"));
    FakeRequest request = request("192.0.2.1", "u-1");
    harness.evaluate(perMinute, request);
    harness.evaluate(perDay, request);
    assertThat(request.responseHeaders()).containsEntry("RateLimit-Limit", "2").containsEntry("RateLimit-Remaining", "1");
  }

  @Test
  void twoLimitsOnOneRouteKeepTheirOwnBuckets() {
    Policy perMinute = harness.create(Map.of("limit", 1, "window", "1m"));
    Policy perHour = harness.create(Map.of("limit", 5, "window", "1h"));
    assertThat(harness.evaluate(perMinute, request("192.0.2.1", "u-1"))).isEqualTo(Decision.abstain());
    assertThat(harness.evaluate(perHour, request("192.0.2.1", "u-1"))).isEqualTo(Decision.abstain());
    assertThat(harness.evaluate(perHour, request("192.0.2.1", "u-1"))).isEqualTo(Decision.abstain());
  }

  @Test
  void everyOptionIsChecked() {
    assertThat(harness.problems(Map.of())).containsExactly("limit: is required: how many requests per window");
    assertThat(harness.problems(Map.of("limit", 0))).containsExactly("limit: must be between 1 and 1000000, got 0");
    assertThat(harness.problems(Map.of("limit", 5, "burst", 0)))
        .containsExactly("burst: must be between 1 and 1000000, got 0");
    assertThat(harness.problems(Map.of("limit", 5, "per", "user")))
        .containsExactly("per: must be identity, client or route, got 'user'");
    for (String bad : new String[] {"0s", "2d", "1.5m", "soon", "500ms"}) {
      assertThat(harness.problems(Map.of("limit", 5, "window", bad))).as(bad)
          .containsExactly("window: must be a duration from 1s to 1d such as 1s, 1m or 1h, got '" + bad + "'");
    }
    assertThat(harness.problems(Map.of("limit", 5, "rate", 3))).singleElement().asString()
        .startsWith("rate: unknown option 'rate'; known options: burst, limit, per, window");
  }
}

package dev.portcullis.gateway.limits;

import com.hazelcast.core.HazelcastInstance;
import dev.portcullis.gateway.cluster.ClusterNode;
import dev.portcullis.gateway.config.ClusterConfig;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.MutableClock;
import dev.portcullis.gateway.support.TestGateway;
import dev.portcullis.plugin.limits.TokenBuckets;
import io.vertx.core.Vertx;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bucket arithmetic, and buckets shared by two cluster members. */
class TokenBucketsTest {

  private static final TokenBuckets.Bucket FIVE_PER_SECOND_BURST_3 = new TokenBuckets.Bucket(3, 5);

  @Test
  void aBucketStartsFullRefusesWhenEmptyAndRefillsContinuously() {
    long t = 1_000_000;
    TokenBucketMath.Step step = TokenBucketMath.take(null, 3, 5, 1, t);
    assertThat(step.take()).isEqualTo(new TokenBuckets.Take(true, 2, Duration.ZERO, Duration.ofMillis(200)));
    step = TokenBucketMath.take(step.state(), 3, 5, 2, t);
    assertThat(step.take()).isEqualTo(new TokenBuckets.Take(true, 0, Duration.ZERO, Duration.ofMillis(600)));
    step = TokenBucketMath.take(step.state(), 3, 5, 1, t + 100); // half a token back
    assertThat(step.take()).isEqualTo(new TokenBuckets.Take(false, 0, Duration.ofMillis(100), Duration.ofMillis(500)));
    step = TokenBucketMath.take(step.state(), 3, 5, 1, t + 200);
    assertThat(step.take().allowed()).isTrue();
    // never more than the capacity, however long it rested; a clock going back refills nothing
    step = TokenBucketMath.take(step.state(), 3, 5, 1, t + 3_600_000);
    assertThat(step.take().remaining()).isEqualTo(2);
    step = TokenBucketMath.take(step.state(), 3, 5, 2, t);
    assertThat(step.take()).isEqualTo(new TokenBuckets.Take(true, 0, Duration.ZERO, Duration.ofMillis(600)));
    // a cost above the capacity can never be met
    assertThat(TokenBucketMath.take(null, 3, 5, 4, t).take().allowed()).isFalse();
  }

  @Test
  void aBucketNeedsACapacityAndARate() {
    assertThatThrownBy(() -> new TokenBuckets.Bucket(0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBuckets.Bucket(1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBuckets.Bucket(1, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void localBucketsFollowTheirClock() {
    MutableClock clock = new MutableClock(Instant.ofEpochSecond(1_800_000_000L));
    LocalTokenBuckets buckets = new LocalTokenBuckets(clock);
    for (int i = 0; i < 3; i++) {
      assertThat(TestGateway.await(buckets.take("k", FIVE_PER_SECOND_BURST_3, 1)).allowed()).isTrue();
    }
    assertThat(TestGateway.await(buckets.take("k", FIVE_PER_SECOND_BURST_3, 1)).allowed()).isFalse();
    assertThat(TestGateway.await(buckets.take("other", FIVE_PER_SECOND_BURST_3, 1)).allowed()).isTrue();
    clock.advance(Duration.ofMillis(200));
    assertThat(TestGateway.await(buckets.take("k", FIVE_PER_SECOND_BURST_3, 1)).allowed()).isTrue();
  }

  @Test
  void twoMembersShareOneBucket() {
    int portA = ForkedGateway.freePort();
    int portB = ForkedGateway.freePort();
    String name = "buckets-" + UUID.randomUUID();
    List<String> members = List.of("127.0.0.1:" + portA, "127.0.0.1:" + portB);
    HazelcastInstance a = ClusterNode.start(new ClusterConfig(ClusterConfig.Mode.EMBEDDED, name, "127.0.0.1", portA,
        false, members, 1), "a-" + UUID.randomUUID());
    HazelcastInstance b = ClusterNode.start(new ClusterConfig(ClusterConfig.Mode.EMBEDDED, name, "127.0.0.1", portB,
        false, members, 1), "b-" + UUID.randomUUID());
    Vertx vertx = Vertx.vertx();
    try {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> b.getCluster().getMembers().size() == 2);
      MutableClock clock = MutableClock.startingNow();
      TokenBuckets onA = new ClusterTokenBuckets(vertx, a, clock);
      TokenBuckets onB = new ClusterTokenBuckets(vertx, b, clock);
      TokenBuckets.Bucket bucket = new TokenBuckets.Bucket(4, 1);
      int allowed = 0;
      for (int i = 0; i < 10; i++) {
        TokenBuckets.Take take = TestGateway.await((i % 2 == 0 ? onA : onB).take("user-1", bucket, 1));
        allowed += take.allowed() ? 1 : 0;
      }
      assertThat(allowed).isEqualTo(4); // one bucket for both, not four tokens each
      TokenBuckets.Take refused = TestGateway.await(onB.take("user-1", bucket, 1));
      assertThat(refused.allowed()).isFalse();
      assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(1));
      clock.advance(Duration.ofSeconds(2));
      assertThat(TestGateway.await(onA.take("user-1", bucket, 2)).remaining()).isZero();
      // the entry expires once the bucket would be full again
      assertThat(a.getMap(ClusterNode.RATE_LIMITS).getEntryView("user-1").getTtl()).isBetween(4000L, 5000L);
    } finally {
      TestGateway.await(vertx.close());
      b.shutdown();
      a.shutdown();
    }
  }
}

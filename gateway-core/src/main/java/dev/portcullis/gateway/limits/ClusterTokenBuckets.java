package dev.portcullis.gateway.limits;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import dev.portcullis.gateway.cluster.ClusterFutures;
import dev.portcullis.gateway.cluster.ClusterNode;
import dev.portcullis.plugin.limits.TokenBuckets;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Buckets in the cluster map: each take is one entry processor run on the key's partition owner, so
 * it is atomic across instances with a single round trip and no lock. (In client mode the cluster's
 * members therefore need this class: see the README.) Instants come from the caller's clock, so the
 * instances' clocks should agree (NTP), as they must for sessions anyway.
 */
public final class ClusterTokenBuckets implements TokenBuckets {

  private final IMap<String, long[]> map;
  private final Vertx vertx;
  private final Clock clock;

  public ClusterTokenBuckets(Vertx vertx, HazelcastInstance hazelcast, Clock clock) {
    this.map = hazelcast.getMap(ClusterNode.RATE_LIMITS);
    this.vertx = vertx;
    this.clock = clock;
  }

  @Override
  public Future<Take> take(String key, Bucket bucket, int cost) {
    return ClusterFutures.onContext(map.submitToKey(key, new TakeProcessor(bucket.capacity(), bucket.tokensPerSecond(),
        cost, clock.millis())), vertx).map(r -> new Take(r[0] == 1, r[1], Duration.ofMillis(r[2]),
        Duration.ofMillis(r[3])));
  }

  /** Runs where the entry lives; returns {allowed, remaining, retryAfterMillis, fullAfterMillis}. */
  static final class TakeProcessor implements EntryProcessor<String, long[], long[]> {
    private static final long serialVersionUID = 1L;
    private final long capacity;
    private final double tokensPerSecond;
    private final int cost;
    private final long nowMillis;

    TakeProcessor(long capacity, double tokensPerSecond, int cost, long nowMillis) {
      this.capacity = capacity;
      this.tokensPerSecond = tokensPerSecond;
      this.cost = cost;
      this.nowMillis = nowMillis;
    }

    @Override
    public long[] process(Map.Entry<String, long[]> entry) {
      TokenBucketMath.Step step = TokenBucketMath.take(entry.getValue(), capacity, tokensPerSecond, cost, nowMillis);
      Take take = step.take();
      // kept until it would be full again anyway (then a missing entry and a full one are the same)
      long ttl = take.fullAfter().toMillis() + 1000;
      if (entry instanceof com.hazelcast.map.ExtendedMapEntry<String, long[]> extended) {
        extended.setValue(step.state(), ttl, java.util.concurrent.TimeUnit.MILLISECONDS);
      } else {
        entry.setValue(step.state());
      }
      return new long[] {take.allowed() ? 1 : 0, take.remaining(), take.retryAfter().toMillis(),
          take.fullAfter().toMillis()};
    }
  }
}

package dev.portcullis.gateway.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.portcullis.plugin.limits.TokenBuckets;
import io.vertx.core.Future;

import java.time.Clock;
import java.time.Duration;

/**
 * Buckets in this process only: for a gateway without a cluster (no identity section) and for
 * plugin tests. A bucket is dropped once it would be full again (a dropped bucket is a full one).
 */
public final class LocalTokenBuckets implements TokenBuckets {

  /** state → {tokensMicro, lastMillis, dropAtMillis}; expiry by the bucket's own time to full. */
  private final Cache<String, long[]> buckets = Caffeine.newBuilder().maximumSize(1_000_000)
      .expireAfter(new com.github.benmanes.caffeine.cache.Expiry<String, long[]>() {
        @Override
        public long expireAfterCreate(String key, long[] value, long now) {
          return Duration.ofMillis(value[2]).toNanos();
        }

        @Override
        public long expireAfterUpdate(String key, long[] value, long now, long current) {
          return Duration.ofMillis(value[2]).toNanos();
        }

        @Override
        public long expireAfterRead(String key, long[] value, long now, long current) {
          return current;
        }
      }).build();
  private final Clock clock;

  public LocalTokenBuckets(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Future<Take> take(String key, Bucket bucket, int cost) {
    Take[] outcome = new Take[1];
    buckets.asMap().compute(key, (k, state) -> {
      TokenBucketMath.Step step = TokenBucketMath.take(state, bucket.capacity(), bucket.tokensPerSecond(), cost,
          clock.millis());
      outcome[0] = step.take();
      return new long[] {step.state()[0], step.state()[1], step.take().fullAfter().toMillis() + 1000};
    });
    return Future.succeededFuture(outcome[0]);
  }
}

package dev.portcullis.plugin.limits;

import io.vertx.core.Future;

import java.time.Duration;

/**
 * Token buckets the core keeps for policies, shared by every gateway instance of a cluster (in
 * Hazelcast), so a limit holds across the load balancer. Each bucket is named by a key the policy
 * chooses (e.g. {@code rate-limit|route|user-42}); it starts full and is refilled continuously.
 */
public interface TokenBuckets {

  /**
   * The shape of a bucket.
   *
   * @param capacity        tokens when full (the burst), at least 1
   * @param tokensPerSecond refill rate, greater than 0
   */
  record Bucket(long capacity, double tokensPerSecond) {
    public Bucket {
      if (capacity < 1 || !(tokensPerSecond > 0) || Double.isInfinite(tokensPerSecond)) {
        throw new IllegalArgumentException("a bucket needs capacity >= 1 and a positive, finite refill rate");
      }
    }
  }

  /**
   * The outcome of taking tokens.
   *
   * @param allowed    whether the tokens were taken
   * @param remaining  whole tokens left after this take
   * @param retryAfter when refused: how long until enough tokens are back; zero when allowed
   * @param fullAfter  how long until the bucket is full again (for {@code RateLimit-Reset})
   */
  record Take(boolean allowed, long remaining, Duration retryAfter, Duration fullAfter) {
  }

  /**
   * Takes {@code cost} tokens from bucket {@code key} if it holds them (atomically, cluster-wide).
   * Completes on the calling event loop; fails when the shared state cannot be reached (a policy
   * should then fail closed).
   */
  Future<Take> take(String key, Bucket bucket, int cost);
}

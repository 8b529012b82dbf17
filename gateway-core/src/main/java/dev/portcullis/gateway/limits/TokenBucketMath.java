package dev.portcullis.gateway.limits;

import dev.portcullis.plugin.limits.TokenBuckets;

import java.time.Duration;

/**
 * The token-bucket arithmetic, on a state of two longs: tokens in millionths, and the instant of the
 * last refill in milliseconds. Pure, so the cluster's entry processor and the local buckets agree.
 */
public final class TokenBucketMath {

  static final long MICRO = 1_000_000L;

  private TokenBucketMath() {
  }

  /** The state after refilling to {@code now} and taking {@code cost} if possible, and the outcome. */
  public record Step(long[] state, TokenBuckets.Take take) {
  }

  /**
   * @param state null for a new (full) bucket, else {tokensMicro, lastMillis}
   */
  public static Step take(long[] state, long capacity, double tokensPerSecond, int cost, long nowMillis) {
    long full = capacity * MICRO;
    long tokens = full;
    if (state != null) {
      long elapsed = Math.max(0, nowMillis - state[1]); // a clock going back refills nothing
      double refill = elapsed * tokensPerSecond * 1000.0; // micro-tokens per millisecond = rate * 1000
      tokens = (long) Math.min(full, state[0] + Math.min(refill, (double) full));
    }
    long needed = cost * MICRO;
    boolean allowed = tokens >= needed;
    if (allowed) {
      tokens -= needed;
    }
    Duration retryAfter = allowed ? Duration.ZERO : millisFor(needed - tokens, tokensPerSecond);
    Duration fullAfter = millisFor(full - tokens, tokensPerSecond);
    return new Step(new long[] {tokens, nowMillis},
        new TokenBuckets.Take(allowed, tokens / MICRO, retryAfter, fullAfter));
  }

  private static Duration millisFor(long microTokens, double tokensPerSecond) {
    if (microTokens <= 0) {
      return Duration.ZERO;
    }
    return Duration.ofMillis((long) Math.ceil(microTokens / (tokensPerSecond * 1000.0)));
  }
}

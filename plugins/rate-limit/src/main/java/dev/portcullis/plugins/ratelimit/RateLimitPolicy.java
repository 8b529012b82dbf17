package dev.portcullis.plugins.ratelimit;

import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyContext;
import dev.portcullis.plugin.limits.TokenBuckets;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.Optional;

/**
 * Takes one token per request from the bucket of the request's identity, client address or route
 * (shared by every instance through the core's buckets). Under the limit it abstains — it limits,
 * it does not authorize — and tells the client where it stands in {@code RateLimit-*} headers;
 * over it, 429 with {@code Retry-After}.
 */
final class RateLimitPolicy implements Policy {

  private final String per;
  private final String prefix;
  private final String limit;
  private final TokenBuckets.Bucket bucket;
  /** The fewest tokens left among this chain's rate limits so far: its headers are the ones the client sees. */
  static final dev.portcullis.plugin.AttributeKey<Long> TIGHTEST =
      dev.portcullis.plugin.AttributeKey.of("rate-limit.tightest-remaining", Long.class);

  RateLimitPolicy(String per, String prefix, int limit, TokenBuckets.Bucket bucket) {
    this.per = per;
    this.prefix = prefix;
    this.limit = Integer.toString(limit);
    this.bucket = bucket;
  }

  @Override
  public Future<Decision> evaluate(PolicyContext context) {
    return context.buckets().take(prefix + key(context), bucket, 1).map(take -> {
      Long tightest = context.attribute(TIGHTEST);
      if (!take.allowed() || tightest == null || take.remaining() < tightest) {
        context.attribute(TIGHTEST, take.remaining());
        context.addResponseHeader("RateLimit-Limit", limit);
        context.addResponseHeader("RateLimit-Remaining", Long.toString(take.remaining()));
        context.addResponseHeader("RateLimit-Reset", Long.toString(seconds(take.fullAfter())));
      }
      if (take.allowed()) {
        return Decision.abstain();
      }
      long retry = Math.max(1, seconds(take.retryAfter()));
      context.addResponseHeader("Retry-After", Long.toString(retry));
      return Decision.deny(429, "RATE_LIMITED", "too many requests; try again in " + retry + " s");
    });
  }

  private String key(PolicyContext context) {
    return switch (per) {
      case "route" -> "*";
      case "client" -> client(context.clientAddress());
      default -> {
        Optional<Identity> identity = context.identity();
        yield identity.isPresent() ? "sub:" + identity.get().subject() : client(context.clientAddress());
      }
    };
  }

  /**
   * An IPv4 address as it is; an IPv6 address by its /64, the block one host or customer usually
   * gets — otherwise one machine could take a fresh bucket for every address of its network.
   */
  static String client(String address) {
    byte[] bytes = dev.portcullis.plugin.net.IpAddresses.parse(address);
    if (bytes == null || bytes.length != 16) {
      return "ip:" + address;
    }
    StringBuilder prefix = new StringBuilder("ip6:");
    for (int i = 0; i < 8; i++) {
      prefix.append(String.format("%02x", bytes[i]));
    }
    return prefix.append("/64").toString();
  }

  private static long seconds(Duration duration) {
    return (duration.toMillis() + 999) / 1000;
  }
}

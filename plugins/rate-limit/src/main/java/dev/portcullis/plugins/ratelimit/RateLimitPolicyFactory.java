package dev.portcullis.plugins.ratelimit;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.Durations;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyFactory;
import dev.portcullis.plugin.PolicySetup;
import dev.portcullis.plugin.limits.TokenBuckets;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/** {@code rate-limit}: see this module's README. */
public final class RateLimitPolicyFactory implements PolicyFactory<RateLimitConfig> {

  public static final String ID = "rate-limit";
  static final Set<String> PER = Set.of("identity", "client", "route");

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Class<RateLimitConfig> configType() {
    return RateLimitConfig.class;
  }

  @Override
  public List<Option> options() {
    return List.of(
        new Option("per", "identity | client | route", "whose requests share one bucket", "identity"),
        new Option("limit", "integer, 1 to 1000000", "requests allowed per window on average", null),
        new Option("window", "duration (s, m, h, d), 1s to 1d", "the window the limit is for", "1m"),
        new Option("burst", "integer, 1 to 1000000", "requests allowed at once (the bucket's size)", "limit"));
  }

  @Override
  public void validate(RateLimitConfig config, PolicySetup setup, ConfigErrors errors) {
    if (config.per() != null && !PER.contains(config.per())) {
      errors.add("per", "must be identity, client or route, got '" + config.per() + "'");
    }
    if (config.limit() == null) {
      errors.add("limit", "is required: how many requests per window");
    } else if (config.limit() < 1 || config.limit() > 1_000_000) {
      errors.add("limit", "must be between 1 and 1000000, got " + config.limit());
    }
    if (config.burst() != null && (config.burst() < 1 || config.burst() > 1_000_000)) {
      errors.add("burst", "must be between 1 and 1000000, got " + config.burst());
    }
    window(config.window(), errors);
  }

  @Override
  public Policy create(RateLimitConfig config, PolicySetup setup) {
    ConfigErrors unexpected = (field, message) -> {
      throw new IllegalStateException(field + ": " + message);
    };
    Duration window = window(config.window(), unexpected);
    int limit = config.limit();
    int burst = config.burst() == null ? limit : config.burst();
    double perSecond = limit / (window.toMillis() / 1000.0);
    String per = config.per() == null ? "identity" : config.per();
    // distinct settings on one route get distinct buckets
    String prefix = ID + "|" + setup.routeId() + "|" + per + "|" + limit + "/" + window.toSeconds() + "s/" + burst + "|";
    return new RateLimitPolicy(per, prefix, limit, new TokenBuckets.Bucket(burst, perSecond));
  }

  private static Duration window(String raw, ConfigErrors errors) {
    if (raw == null) {
      return Duration.ofMinutes(1);
    }
    Duration window = Durations.parse(raw);
    if (window == null || window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofDays(1)) > 0) {
      errors.add("window", "must be a duration from 1s to 1d such as 1s, 1m or 1h, got '" + raw + "'");
      return Duration.ofMinutes(1);
    }
    return window;
  }
}

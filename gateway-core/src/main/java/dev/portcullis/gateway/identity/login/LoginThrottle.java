package dev.portcullis.gateway.identity.login;

import dev.portcullis.gateway.cluster.ClusterFutures;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import dev.portcullis.gateway.cluster.ClusterNode;
import dev.portcullis.gateway.config.IdentityConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Brute-force protection shared by all instances: failure counters per submitted username and per
 * client address, kept apart per factor ({@code pwd}, later {@code otp}). After the free attempts,
 * each failure locks the counter for an exponentially growing time, capped. Counters of usernames
 * that do not exist behave exactly like real ones, so a lockout reveals nothing. A client address
 * gets four times the free attempts of a username (many people may share one address).
 */
public final class LoginThrottle {

  private final Vertx vertx;
  private final IMap<String, long[]> map;
  private final IdentityConfig.Login config;
  private final Clock clock;

  public LoginThrottle(Vertx vertx, HazelcastInstance hazelcast, IdentityConfig.Login config, Clock clock) {
    this.vertx = vertx;
    this.map = hazelcast.getMap(ClusterNode.LOGIN_FAILURES);
    this.config = config;
    this.clock = clock;
  }

  public static String userKey(String factor, String username) {
    return factor + "|user|" + username.toLowerCase(Locale.ROOT);
  }

  public static String addressKey(String factor, String address) {
    return factor + "|ip|" + address;
  }

  /** How long the caller must still wait (zero when neither counter is locked). */
  public Future<Duration> lockedFor(String userKey, String addressKey) {
    Future<long[]> user = ClusterFutures.onContext(map.getAsync(userKey), vertx);
    Future<long[]> address = ClusterFutures.onContext(map.getAsync(addressKey), vertx);
    return Future.all(user, address).map(all -> {
      long now = clock.millis();
      long until = Math.max(user.result() == null ? 0 : user.result()[1],
          address.result() == null ? 0 : address.result()[1]);
      return until > now ? Duration.ofMillis(until - now) : Duration.ZERO;
    });
  }

  /** Counts a failure on both counters; resolves to the lockout it caused (zero if none yet). */
  public Future<Duration> failed(String userKey, String addressKey) {
    long now = clock.millis();
    Future<Long> user = count(userKey, new CountFailure(now, config.freeAttempts(), config));
    Future<Long> address = count(addressKey, new CountFailure(now, config.freeAttempts() * 4, config));
    return Future.all(user, address).map(all -> {
      long until = Math.max(user.result(), address.result());
      return until > now ? Duration.ofMillis(until - now) : Duration.ZERO;
    });
  }

  /** A successful login clears its username's counter (not the address's: one good account must not
   * reset the count for guesses against others). */
  public Future<Void> succeeded(String userKey) {
    return ClusterFutures.onContext(map.deleteAsync(userKey), vertx).mapEmpty();
  }

  /** Lifts a username's lockout (the admin API's unlock). */
  public Future<Void> unlock(String factor, String username) {
    return succeeded(userKey(factor, username));
  }

  private Future<Long> count(String key, CountFailure processor) {
    return ClusterFutures.onContext(map.submitToKey(key, processor), vertx);
  }

  /**
   * Runs on the key's owner member, atomically: value is {count, lockedUntilMillis}. Serializable
   * because it travels to the owner; every member runs the same gateway code.
   */
  static final class CountFailure implements EntryProcessor<String, long[], Long>, Serializable {
    private static final long serialVersionUID = 1L;
    private final long now;
    private final int free;
    private final long baseMillis;
    private final long maxMillis;
    private final long windowMillis;

    CountFailure(long now, int free, IdentityConfig.Login config) {
      this.now = now;
      this.free = free;
      this.baseMillis = config.backoffBase().toMillis();
      this.maxMillis = config.maxLockout().toMillis();
      this.windowMillis = config.window().toMillis();
    }

    @Override
    public Long process(Map.Entry<String, long[]> entry) {
      long[] value = entry.getValue() == null ? new long[] {0, 0} : entry.getValue().clone();
      value[0]++;
      long over = value[0] - free;
      if (over >= 0) {
        long lock = Math.min(maxMillis, baseMillis << Math.min(over, 30));
        value[1] = now + lock;
      }
      long keep = Math.max(windowMillis, value[1] - now);
      ((ExtendedMapEntry<String, long[]>) entry).setValue(value, keep, TimeUnit.MILLISECONDS);
      return value[1];
    }
  }
}

package dev.portcullis.gateway.identity.login;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.portcullis.gateway.cluster.ClusterNode;
import dev.portcullis.gateway.config.IdentityConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Brute-force protection shared by all instances: attempt counters per submitted username and per
 * client address, kept apart per factor ({@code pwd}, later {@code otp}).
 *
 * <p>An attempt is <em>reserved</em> before the password is checked, and counted as a failure
 * until it succeeds: once the free attempts are used up the counter locks at once, for an
 * exponentially growing time (capped), so a burst of concurrent guesses gets no more checks than a
 * patient guesser. A success clears the username's counter and gives the address its attempt back.
 * Counters of usernames that do not exist behave exactly like real ones, so a lockout reveals
 * nothing. A client address gets four times the free attempts of a username (many people may
 * share one address).
 *
 * <p>Each update runs under the key's cluster lock (get, compute, set with TTL) on a worker: plain
 * map operations only, so an external cluster in client mode needs none of the gateway's classes.
 */
public final class LoginThrottle {

  /** The outcome of a reservation: allowed, or locked for this long. */
  public record Reservation(Duration lockedFor) {
    public boolean allowed() {
      return lockedFor.isZero();
    }
  }

  private final IMap<String, long[]> map;
  private final IdentityConfig.Login config;
  private final Clock clock;
  private final WorkerExecutor workers;

  public LoginThrottle(Vertx vertx, HazelcastInstance hazelcast, IdentityConfig.Login config, Clock clock) {
    this.map = hazelcast.getMap(ClusterNode.LOGIN_FAILURES);
    this.config = config;
    this.clock = clock;
    this.workers = vertx.createSharedWorkerExecutor("portcullis-login-throttle", 4);
  }

  public static String userKey(String factor, String username) {
    return factor + "|user|" + username.toLowerCase(Locale.ROOT);
  }

  public static String addressKey(String factor, String address) {
    return factor + "|ip|" + address;
  }

  /**
   * Takes one attempt from both counters, or refuses when either is locked (then nothing is
   * counted). Resolves to how long the caller must wait, zero when the attempt may go ahead.
   */
  public Future<Reservation> reserve(String userKey, String addressKey) {
    return workers.executeBlocking(() -> {
      // Check and count under both keys' locks (always user before address: no deadlock), so that
      // concurrent attempts cannot all see "not locked" before any of them is counted.
      map.lock(userKey, 10, TimeUnit.SECONDS);
      try {
        map.lock(addressKey, 10, TimeUnit.SECONDS);
        try {
          long now = clock.millis();
          long until = Math.max(lockedUntil(userKey), lockedUntil(addressKey));
          if (until > now) {
            return new Reservation(Duration.ofMillis(until - now));
          }
          update(userKey, config.freeAttempts(), +1, now);
          update(addressKey, config.freeAttempts() * 4, +1, now);
          return new Reservation(Duration.ZERO);
        } finally {
          map.unlock(addressKey);
        }
      } finally {
        map.unlock(userKey);
      }
    }, false);
  }

  /** The reserved attempt succeeded: the username starts afresh, the address gets its attempt back. */
  public Future<Void> succeeded(String userKey, String addressKey) {
    return workers.executeBlocking(() -> {
      map.delete(userKey);
      update(addressKey, config.freeAttempts() * 4, -1, clock.millis());
      return null;
    }, false);
  }

  /** Lifts a username's lockout (the admin API's unlock). */
  public Future<Void> unlock(String factor, String username) {
    return workers.executeBlocking(() -> {
      map.delete(userKey(factor, username));
      return null;
    }, false);
  }

  private long lockedUntil(String key) {
    long[] value = map.get(key);
    return value == null ? 0 : value[1];
  }

  /** value = {attempts, lockedUntilMillis}; a lock stands only while the attempts have earned it. */
  private void update(String key, int free, int delta, long now) {
    map.lock(key, 10, TimeUnit.SECONDS);
    try {
      long[] value = map.get(key);
      long attempts = Math.max(0, (value == null ? 0 : value[0]) + delta);
      long lockedUntil = value == null ? 0 : value[1];
      if (delta > 0 && attempts >= free) {
        long over = attempts - free;
        lockedUntil = now + Math.min(config.maxLockout().toMillis(), config.backoffBase().toMillis() << Math.min(over, 30));
      } else if (attempts < free) {
        lockedUntil = 0;
      }
      if (attempts == 0 && lockedUntil == 0) {
        map.delete(key);
        return;
      }
      long keep = Math.max(config.window().toMillis(), lockedUntil - now);
      map.set(key, new long[] {attempts, lockedUntil}, keep, TimeUnit.MILLISECONDS);
    } finally {
      map.unlock(key);
    }
  }

  public void close() {
    workers.close();
  }
}

package dev.portcullis.gateway.identity.lifecycle;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.Iam;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * Disables accounts nobody has used for {@code identity.lifecycle.disableUnusedAfter}: no completed
 * sign-in, no API token use, not re-enabled by an admin. Each one is journaled
 * ({@code admin.user-disable}, actor {@value #ACTOR}), loses every session and sign-in in progress on
 * every instance (its tokens stop with the account), and its owner is told why at the next
 * sign-in. One instance of a cluster sweeps at a time; sign-ins are recorded as they happen.
 */
public final class UnusedAccounts {

  public static final String ACTOR = "system:lifecycle";
  public static final String REASON = "unused";
  private static final Logger LOG = LoggerFactory.getLogger(UnusedAccounts.class);
  /** Sign-ins recorded at most this often per user (the period is counted in days). */
  private static final Duration TOUCH_EVERY = Duration.ofHours(1);

  private final Vertx vertx;
  private final Iam iam;
  private final AuditLog audit;
  private final BiFunction<String, String, Future<Void>> revokeSignIns;
  private final IdentityConfig.Lifecycle config;
  private final Clock clock;
  private final IMap<String, Boolean> lock;
  private final com.github.benmanes.caffeine.cache.Cache<String, Boolean> touched =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(100_000)
          .expireAfterWrite(TOUCH_EVERY).build();
  private long timer = -1;

  /** @param revokeSignIns ends a user's sessions and sign-ins on every instance (user id, reason) */
  public UnusedAccounts(Vertx vertx, Iam iam, HazelcastInstance hazelcast, AuditLog audit,
      BiFunction<String, String, Future<Void>> revokeSignIns, IdentityConfig.Lifecycle config, Clock clock) {
    this.vertx = vertx;
    this.iam = iam;
    this.audit = audit;
    this.revokeSignIns = revokeSignIns;
    this.config = config;
    this.clock = clock;
    this.lock = hazelcast.getMap("portcullis-lifecycle-lock");
  }

  /** Starts the periodic sweep (when configured). */
  public void start() {
    if (config.disableUnusedAfter() != null) {
      timer = vertx.setPeriodic(config.checkInterval().toMillis(), id -> sweep()
          .onFailure(e -> LOG.warn("Could not disable unused accounts this round: {}", e.toString())));
    }
  }

  /** Records a completed sign-in (at most once an hour per user; failures are only logged). */
  public void signedIn(String userId) {
    if (touched.asMap().putIfAbsent(userId, Boolean.TRUE) == null) {
      Instant now = clock.instant();
      iam.blocking(() -> {
        iam.store().touchActive(userId, now);
        return null;
      }).onFailure(e -> {
        touched.invalidate(userId);
        LOG.warn("Could not record the sign-in of user {}: {}", userId, e.toString());
      });
    }
  }

  /** One sweep; resolves to how many accounts it disabled (0 when another instance is sweeping). */
  public Future<Integer> sweep() {
    if (config.disableUnusedAfter() == null) {
      return Future.succeededFuture(0);
    }
    Instant cutoff = clock.instant().minus(config.disableUnusedAfter());
    String period = config.disableUnusedAfter().toDays() + "d";
    return iam.blocking(() -> {
      if (!lock.tryLock("sweep", 0, TimeUnit.SECONDS, 10, TimeUnit.MINUTES)) {
        return List.<String[]>of();
      }
      try {
        List<String[]> disabled = new ArrayList<>();
        for (String[] user : iam.store().unusedSince(cutoff)) {
          // journaled before it happens, as every admin change (here the gateway is the admin)
          audit.admin(ACTOR, user[1], "user-disable", "user", user[0], Map.of("status", "disabled", "reason",
              "unused for " + period)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
          if (iam.store().disable(user[0], REASON)) {
            disabled.add(user);
          }
        }
        return disabled;
      } finally {
        lock.unlock("sweep");
      }
    }).compose(disabled -> {
      List<Future<Void>> revoked = new ArrayList<>();
      for (String[] user : disabled) {
        iam.userChanged(user[0]);
        revoked.add(revokeSignIns.apply(user[0], "unused"));
      }
      if (!disabled.isEmpty()) {
        LOG.info("Disabled {} account(s) unused for {}", disabled.size(), period);
      }
      return Future.join(revoked).map(disabled.size());
    });
  }

  /** The sentence a disabled account's owner reads at sign-in, or null when the reason is not ours to say. */
  public String reasonToTell(String reason) {
    if (REASON.equals(reason) && config.disableUnusedAfter() != null) {
      return "This account was disabled because it was not used for " + config.disableUnusedAfter().toDays()
          + " days. Ask your administrator to enable it again.";
    }
    return null;
  }

  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}

package dev.portcullis.gateway.identity.keycloak;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.identity.Iam;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Mirrors the realm into its tenant at start and every {@code refreshInterval}: reads it
 * (RealmReader), applies it to the IAM store (RealmMirror), drops what every instance cached about
 * what changed, removes the Keycloak mappings of expired bindings granted here (MappingSweep), and
 * then, for each user it disabled, journals {@code admin.user-disable} (actor
 * {@value #ACTOR}) and ends their sessions on every instance; {@code admin.user-enable} for a user
 * active again. The work runs on a worker of its own, never on an event loop, one round at a time;
 * across a cluster one instance at a time does it (a lock in the cluster), and an instance skips a
 * round another did less than half an interval ago.
 *
 * <p>When Keycloak cannot be read the last mirrored state stays, one warning is logged per outage,
 * {@code portcullis_keycloak_sync_up} is 0, and the next interval tries again.
 */
public final class KeycloakSync {

  private static final Logger LOG = LoggerFactory.getLogger(KeycloakSync.class);
  /** The audit actor of the sync's changes. */
  public static final String ACTOR = "system:keycloak-sync";
  /** Why the sessions of a user disabled by the sync end ({@code session.revoked}). */
  public static final String REVOKE_REASON = "keycloak-disabled";
  static final String STATE_MAP = "portcullis-keycloak-sync";

  /**
   * One round: skipped (another round or instance did it), or what it changed.
   *
   * @param sweep what the expiry sweep removed and could not remove (null when skipped)
   */
  public record Round(boolean skipped, RealmMirror.Changes changes, MappingSweep.Result sweep) {
    static final Round SKIPPED = new Round(true, null, null);
  }

  private final Vertx vertx;
  private final String tenant;
  private final String realmName;
  private final Duration interval;
  private final Duration lockLease;
  private final RealmReader reader;
  private final RealmMirror mirror;
  private final MappingSweep sweep;
  private final Iam iam;
  private final HazelcastInstance hazelcast;
  private final AuditLog audit;
  private final Function<String, Future<Void>> revokeSignIns;
  private final Set<String> oidcProviders;
  private final Clock clock;
  private final WorkerExecutor worker;
  private final AtomicBoolean busy = new AtomicBoolean();
  private final AtomicInteger up = new AtomicInteger();
  private final AtomicLong lastSuccess = new AtomicLong();
  private final Counter failures;
  private final Set<String> warned = new HashSet<>();
  private volatile boolean healthy = true;
  private Future<Round> last = Future.succeededFuture(Round.SKIPPED);
  private long timer = -1;
  private volatile boolean closed;

  /**
   * @param revokeSignIns ends a user's sessions and sign-ins in progress on every instance, and
   *                      journals it ({@code session.revoked}, reason {@value #REVOKE_REASON})
   * @param metrics       where the gauges go (null: none)
   */
  KeycloakSync(Vertx vertx, String tenant, String realmName, Duration interval, Duration callTimeout,
      RealmReader reader, RealmMirror mirror, MappingSweep sweep, Iam iam, HazelcastInstance hazelcast, AuditLog audit,
      Function<String, Future<Void>> revokeSignIns, Set<String> oidcProviders, MeterRegistry metrics, Clock clock) {
    this.vertx = vertx;
    this.tenant = tenant;
    this.realmName = realmName;
    this.interval = interval;
    // a round reads page by page, each call up to three tries: let a slow one finish before another instance takes over
    this.lockLease = Duration.ofMinutes(5).compareTo(callTimeout.multipliedBy(30)) > 0 ? Duration.ofMinutes(5)
        : callTimeout.multipliedBy(30);
    this.reader = reader;
    this.mirror = mirror;
    this.sweep = sweep;
    this.iam = iam;
    this.hazelcast = hazelcast;
    this.audit = audit;
    this.revokeSignIns = revokeSignIns;
    this.oidcProviders = Set.copyOf(oidcProviders);
    this.clock = clock;
    this.worker = vertx.createSharedWorkerExecutor("portcullis-keycloak-sync-" + tenant, 1);
    if (metrics != null) {
      Gauge.builder("portcullis_keycloak_sync_up", up, AtomicInteger::get)
          .description("1 when the last mirror of the Keycloak realm succeeded, 0 when Keycloak could not be read")
          .tag("realm", realmName).register(metrics);
      Gauge.builder("portcullis_keycloak_sync_last_success_timestamp_seconds", lastSuccess, AtomicLong::get)
          .description("When the Keycloak realm was last mirrored").tag("realm", realmName).register(metrics);
      this.failures = Counter.builder("portcullis_keycloak_sync_failures_total")
          .description("Rounds of the Keycloak mirror that failed").tag("realm", realmName).register(metrics);
    } else {
      this.failures = null;
    }
  }

  /**
   * Runs the first round and then one every interval. Resolves when the first round is over, or
   * after {@code maxWait}, whichever comes first; never fails (Keycloak being down at start only
   * delays the mirror).
   */
  public Future<Void> start(Duration maxWait) {
    synchronized (this) {
      timer = vertx.setPeriodic(interval.toMillis(), id -> {
        if (!busy.get()) {
          enqueue(false);
        }
      });
    }
    return enqueue(true).timeout(maxWait.toMillis(), TimeUnit.MILLISECONDS).<Void>mapEmpty().otherwise(err -> {
      if (err instanceof java.util.concurrent.TimeoutException) {
        LOG.warn("The first mirror of Keycloak realm '{}' is taking longer than {}s; starting without waiting for it",
            realmName, maxWait.toSeconds());
      }
      return null;
    });
  }

  /** A round now, after the one in progress (if any): for tests and operators. */
  public Future<Round> syncNow() {
    return enqueue(true);
  }

  /** Whether the last round could read Keycloak. */
  public boolean healthy() {
    return healthy;
  }

  private synchronized Future<Round> enqueue(boolean force) {
    if (closed) {
      return Future.succeededFuture(Round.SKIPPED);
    }
    Future<Round> next = last.transform(ignored -> round(force));
    last = next;
    return next;
  }

  private Future<Round> round(boolean force) {
    busy.set(true);
    return worker.executeBlocking(() -> blockingRound(force), false)
        .compose(round -> announce(round).map(round))
        .onComplete(result -> {
          busy.set(false);
          if (result.succeeded()) {
            succeeded(result.result());
          } else {
            failed(result.cause());
          }
        });
  }

  private Round blockingRound(boolean force) throws InterruptedException {
    IMap<String, Long> state = hazelcast.getMap(STATE_MAP);
    String lock = "lock:" + tenant;
    if (!state.tryLock(lock, 0, TimeUnit.MILLISECONDS, lockLease.toMillis(), TimeUnit.MILLISECONDS)) {
      return Round.SKIPPED; // another instance is at it
    }
    try {
      Long lastDone = state.get("last:" + tenant);
      if (!force && lastDone != null && clock.millis() - lastDone < interval.toMillis() / 2) {
        return Round.SKIPPED;
      }
      RealmSnapshot snapshot = reader.read();
      RealmMirror.Changes changes = mirror.apply(tenant, snapshot, oidcProviders, clock.instant());
      changes.changedUsers().forEach(iam::userChanged);
      if (changes.rolesChanged()) {
        iam.tenantChanged(tenant);
      }
      MappingSweep.Result swept = sweep.sweep(tenant, clock.instant());
      state.set("last:" + tenant, clock.millis());
      return new Round(false, changes, swept);
    } finally {
      state.unlock(lock);
    }
  }

  /** Journals the accounts the round disabled or enabled and ends the disabled ones' sessions. */
  private Future<Void> announce(Round round) {
    if (round.skipped()) {
      return Future.succeededFuture();
    }
    List<Future<?>> all = new ArrayList<>();
    for (Map.Entry<String, String> user : round.changes().disabled().entrySet()) {
      all.add(audit.admin(ACTOR, tenant, "user-disable", "user", user.getKey(), Map.of("status", "disabled",
          "reason", user.getValue())).onFailure(err -> LOG.warn("Cannot journal that user {} was disabled: {}",
          user.getKey(), err.getMessage())));
      all.add(revokeSignIns.apply(user.getKey()).onFailure(err -> LOG.warn("Cannot end the sessions of user {}, "
          + "disabled in Keycloak: {}", user.getKey(), err.getMessage())));
    }
    for (String user : round.changes().enabled()) {
      all.add(audit.admin(ACTOR, tenant, "user-enable", "user", user, Map.of("status", "active",
          "reason", "enabled in Keycloak")).onFailure(err -> LOG.warn("Cannot journal that user {} was enabled: {}",
          user, err.getMessage())));
    }
    return Future.join(all).mapEmpty();
  }

  private void succeeded(Round round) {
    if (round.skipped()) {
      return;
    }
    up.set(1);
    lastSuccess.set(clock.millis() / 1000);
    if (!healthy) {
      LOG.info("Keycloak realm '{}' is readable again; tenant '{}' mirrors it", realmName, tenant);
    }
    healthy = true;
    RealmMirror.Changes changes = round.changes();
    if (!changes.changedUsers().isEmpty() || changes.rolesChanged() || round.sweep().removed() > 0
        || round.sweep().added() > 0) {
      LOG.info("Mirrored Keycloak realm '{}' into tenant '{}': {}, started mappings written {}, expired mappings "
          + "removed {}", realmName, tenant, changes.summary(), round.sweep().added(), round.sweep().removed());
    }
    Map<String, String> problems = new java.util.LinkedHashMap<>(changes.warnings());
    problems.putAll(round.sweep().failures());
    synchronized (warned) {
      warned.retainAll(problems.keySet()); // a problem that went away is logged again if it comes back
      problems.forEach((key, message) -> {
        if (warned.add(key)) {
          LOG.warn("Keycloak realm '{}': {}", realmName, message);
        }
      });
    }
  }

  private void failed(Throwable err) {
    up.set(0);
    if (failures != null) {
      failures.increment();
    }
    if (healthy) {
      LOG.warn("Cannot mirror Keycloak realm '{}'; tenant '{}' keeps its last mirrored users and roles, retrying "
          + "every {}s: {}", realmName, tenant, interval.toSeconds(), err.getMessage());
    } else {
      LOG.debug("Keycloak realm '{}' still cannot be mirrored: {}", realmName, err.getMessage());
    }
    healthy = false;
  }

  /** Stops the timer and waits (a little) for a round in progress. */
  public Future<Void> close() {
    Future<Round> pending;
    synchronized (this) {
      closed = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      pending = last;
    }
    return pending.timeout(5, TimeUnit.SECONDS).<Void>mapEmpty().otherwiseEmpty()
        .eventually(() -> worker.close());
  }
}

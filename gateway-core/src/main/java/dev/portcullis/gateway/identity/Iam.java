package dev.portcullis.gateway.identity;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;
import dev.portcullis.gateway.cluster.ClusterNode;
import dev.portcullis.gateway.identity.store.ApiToken;
import dev.portcullis.gateway.identity.store.Grant;
import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.gateway.identity.store.User;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * The IAM store as the request path sees it: asynchronous (JDBC runs on a worker pool of its own,
 * never on an event loop) and cached in Caffeine. Every change made through this class is
 * announced on a Hazelcast topic, and every instance drops what it cached about that user (or
 * tenant), so a revoked role stops working everywhere within one message hop.
 */
public final class Iam {

  private final Vertx vertx;
  private final JdbcIamStore store;
  private final WorkerExecutor workers;
  private final WorkerExecutor pseudonymWorkers;
  private final ITopic<String> changes;
  private final UUID listener;
  private final AsyncCache<String, Optional<User>> users;
  private final AsyncCache<String, List<Grant>> grants;
  private final AsyncCache<String, Optional<ApiToken>> tokens;
  private final AsyncCache<String, Map<String, Set<String>>> tenantRoles;
  private final AsyncCache<String, String> pseudonyms =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofHours(1)).buildAsync();

  public Iam(Vertx vertx, JdbcIamStore store, HazelcastInstance hazelcast, int workerThreads, Duration cacheTtl) {
    this.vertx = vertx;
    this.store = store;
    this.workers = vertx.createSharedWorkerExecutor("portcullis-iam", workerThreads);
    this.pseudonymWorkers = vertx.createSharedWorkerExecutor("portcullis-iam-pseudonyms", 2);
    this.users = cache(cacheTtl);
    this.grants = cache(cacheTtl);
    this.tokens = cache(cacheTtl);
    this.tenantRoles = cache(cacheTtl);
    this.changes = hazelcast.getTopic(ClusterNode.IAM_CHANGES);
    this.listener = changes.addMessageListener(message -> invalidate(message.getMessageObject()));
  }

  private static <K, V> AsyncCache<K, V> cache(Duration ttl) {
    return Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(ttl).buildAsync();
  }

  /** The blocking store, for callers that are already on a worker (seeding, tests, admin tools). */
  public JdbcIamStore store() {
    return store;
  }

  /** Runs store work on the IAM worker pool. */
  public <T> Future<T> blocking(Callable<T> work) {
    return workers.executeBlocking(work, false);
  }

  public Future<Optional<User>> user(String userId) {
    return cached(users, userId, () -> store.userById(userId));
  }

  public Future<List<Grant>> grants(String userId) {
    return cached(grants, userId, () -> store.grantsOf(userId));
  }

  public Future<Optional<ApiToken>> tokenByHash(String hash) {
    return cached(tokens, hash, () -> store.tokenByHash(hash));
  }

  /** Role name → permissions in a tenant (for roles named by a bearer token's claims). */
  public Future<Map<String, Set<String>>> rolePermissions(String tenantId) {
    return cached(tenantRoles, tenantId, () -> store.rolePermissions(tenantId));
  }

  /**
   * The audit pseudonym of a subject (user id, or {@code issuer|sub}): created on first use as an
   * HMAC of the subject and a random salt under the gateway's pseudonym key, and kept in the store
   * so that an auditor can resolve it until the subject is erased.
   */
  public Future<String> auditPseudonym(String subject) {
    // Its own workers: access-request steps journal (and so look pseudonyms up) while holding an
    // IAM worker inside a transaction; sharing that pool could starve it.
    CompletableFuture<String> value = pseudonyms.get(subject, (k, executor) -> pseudonymWorkers.executeBlocking(
        () -> loadPseudonym(subject), false).toCompletionStage().toCompletableFuture());
    if (value.isDone() && !value.isCompletedExceptionally()) {
      return Future.succeededFuture(value.join());
    }
    return Future.fromCompletionStage(value, vertx.getOrCreateContext());
  }

  private String loadPseudonym(String subject) {
    return store.auditPseudonym(subject, () -> {
      String key = store.secret("audit-pseudonym-key", Secrets::random256);
      byte[] mac = Secrets.hmacSha256(key.getBytes(java.nio.charset.StandardCharsets.UTF_8),
          subject + "\n" + Secrets.random256());
      return "p_" + java.util.Base64.getUrlEncoder().withoutPadding()
          .encodeToString(java.util.Arrays.copyOf(mac, 16));
    });
  }

  /** Erases a subject's pseudonym mapping on every instance's cache; returns whether one existed. */
  public Future<Boolean> eraseAuditSubject(String subject) {
    return blocking(() -> store.eraseAuditSubject(subject)).onSuccess(v -> changes.publish("audit:" + subject));
  }

  /**
   * Tells every instance (this one included) that what it knows about {@code userId} is stale.
   * Call after any change to a user, their groups, bindings or tokens.
   */
  public void userChanged(String userId) {
    invalidate("user:" + userId); // here at once: the caller's next request must not see the old state
    changes.publishAsync("user:" + userId); // never blocks the caller (in client mode a publish is remote)
  }

  /** Tells every instance that a tenant's roles changed. */
  public void tenantChanged(String tenantId) {
    invalidate("tenant:" + tenantId);
    changes.publishAsync("tenant:" + tenantId);
  }

  private void invalidate(String message) {
    if (message.startsWith("user:")) {
      String userId = message.substring(5);
      users.synchronous().invalidate(userId);
      grants.synchronous().invalidate(userId);
      // Tokens are keyed by hash; a user's change is rare enough to drop them all.
      tokens.synchronous().invalidateAll();
    } else if (message.startsWith("audit:")) {
      pseudonyms.synchronous().invalidate(message.substring(6));
    } else if (message.startsWith("tenant:")) {
      tenantRoles.synchronous().invalidate(message.substring(7));
      grants.synchronous().invalidateAll();
    } else {
      users.synchronous().invalidateAll();
      grants.synchronous().invalidateAll();
      tokens.synchronous().invalidateAll();
      tenantRoles.synchronous().invalidateAll();
    }
  }

  private <V> Future<V> cached(AsyncCache<String, V> cache, String key, Callable<V> load) {
    CompletableFuture<V> value = cache.get(key, (k, executor) ->
        blocking(load).toCompletionStage().toCompletableFuture());
    if (value.isDone() && !value.isCompletedExceptionally()) {
      return Future.succeededFuture(value.join()); // the hot path: no hop through the context
    }
    return Future.fromCompletionStage(value, vertx.getOrCreateContext());
  }

  public void close() {
    try {
      changes.removeMessageListener(listener);
    } catch (RuntimeException e) {
      // Hazelcast may already be shutting down.
    }
    workers.close();
    pseudonymWorkers.close();
  }
}

package dev.portcullis.gateway.identity.session;

import dev.portcullis.gateway.cluster.ClusterFutures;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import dev.portcullis.gateway.cluster.ClusterNode;
import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.Secrets;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.Base64;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Sessions in the cluster map: the key is the SHA-256 of the opaque id, so a dump of the map opens
 * no session. The idle timeout is Hazelcast's max-idle (any instance's read counts as use); the
 * absolute timeout is the entry's TTL and is checked again on every read.
 */
public final class SessionStore {

  private final Vertx vertx;
  private final IMap<String, HazelcastJsonValue> map;
  private final Duration idle;
  private final Duration absolute;
  private final Clock clock;

  private final byte[] macKey;
  /** Seals entries to their map too: an entry copied from another map does not verify here. */
  private final String macDomain;

  /**
   * @param macKey key of the HMAC that seals each stored session to its map key. It comes from the
   *               IAM store, not the cluster: whoever can write to the cluster map (a rogue member
   *               on the cluster port) still cannot make or move a session the gateway accepts.
   */
  public SessionStore(Vertx vertx, HazelcastInstance hazelcast, IdentityConfig.Sessions config, Clock clock,
      byte[] macKey) {
    this(vertx, hazelcast, ClusterNode.SESSIONS, config.idleTimeout(), config.absoluteTimeout(), clock, macKey);
  }

  /**
   * A store over another map, e.g. sign-ins that still owe their second factor (a separate map and
   * cookie, so such an entry can never pass for a session).
   */
  public SessionStore(Vertx vertx, HazelcastInstance hazelcast, String mapName, Duration idle, Duration absolute,
      Clock clock, byte[] macKey) {
    this.macKey = macKey.clone();
    this.vertx = vertx;
    this.map = hazelcast.getMap(mapName);
    this.macDomain = mapName.equals(ClusterNode.SESSIONS) ? "" : mapName + "|";
    this.idle = idle;
    this.absolute = absolute;
    this.clock = clock;
  }

  /** A new session for a user who just proved {@code method}; resolves to the id for the cookie. */
  public Future<String> create(String userId, String tenantId, String username, String method) {
    return create(userId, tenantId, username, java.util.Map.of(method, clock.instant()));
  }

  /**
   * A new session carrying methods proven earlier (e.g. the password before the second factor);
   * its absolute end counts from now.
   */
  public Future<String> create(String userId, String tenantId, String username, java.util.Map<String, Instant> methods) {
    Instant now = clock.instant();
    return store(new Session(userId, tenantId, username, methods, now, now.plus(absolute)));
  }

  /** The live session for a cookie value, or null (unknown, idle too long, or past its absolute end). */
  public Future<Session> find(String id) {
    if (id == null || id.length() != 43) {
      return Future.succeededFuture();
    }
    String key = Secrets.sha256(id);
    return ClusterFutures.onContext(map.getAsync(key), vertx).map(value -> {
      if (value == null) {
        return null;
      }
      JsonObject stored = new JsonObject(value.getValue());
      String payload = stored.getString("session");
      if (payload == null || !Secrets.constantTimeEquals(mac(key, payload), stored.getString("mac"))) {
        org.slf4j.LoggerFactory.getLogger(SessionStore.class).warn("A session entry in the cluster map failed its "
            + "integrity check and was ignored: someone wrote to the map who should not be able to");
        return null;
      }
      Session session = Session.fromJson(new JsonObject(payload));
      return clock.instant().isBefore(session.expiresAt()) ? session : null;
    });
  }

  /**
   * Replaces a session by one under a new id (after a privilege change: no fixation); the old id
   * stops working at once. Resolves to the new id, or null when the old session had ended
   * meanwhile (then nothing is stored).
   */
  public Future<String> rotate(String oldId, Session updated) {
    // only if the old one still exists: a logout or revocation meanwhile is not undone
    return take(oldId).compose(existed -> existed ? store(updated) : Future.succeededFuture(null));
  }

  /**
   * Removes an entry and says whether it was there: of two callers racing to use one entry, only
   * one gets true.
   */
  public Future<Boolean> take(String id) {
    if (id == null) {
      return Future.succeededFuture(false);
    }
    return ClusterFutures.onContext(map.removeAsync(Secrets.sha256(id)), vertx).map(java.util.Objects::nonNull);
  }

  public Future<Void> delete(String id) {
    if (id == null) {
      return Future.succeededFuture();
    }
    return ClusterFutures.onContext(map.deleteAsync(Secrets.sha256(id)), vertx).mapEmpty();
  }

  /** A reference to a session that says nothing about its id (events, logs and the admin API may carry it). */
  public static String ref(String sessionId) {
    return Secrets.sha256("session-ref:" + sessionId).substring(0, 16);
  }

  /** A live session as the admin API lists it: its reference, never its id. */
  public record Listed(String ref, Session session) {
  }

  /** A user's live sessions, on every instance. */
  public Future<java.util.List<Listed>> list(String userId) {
    return vertx.executeBlocking(() -> {
      java.util.List<Listed> out = new java.util.ArrayList<>();
      for (var entry : map.entrySet(Predicates.equal("userId", userId))) {
        JsonObject stored = new JsonObject(entry.getValue().getValue());
        String payload = stored.getString("session");
        if (payload != null && Secrets.constantTimeEquals(mac(entry.getKey(), payload), stored.getString("mac"))) {
          Session session = Session.fromJson(new JsonObject(payload));
          if (clock.instant().isBefore(session.expiresAt())) {
            out.add(new Listed(stored.getString("ref", ""), session));
          }
        }
      }
      out.sort(java.util.Comparator.comparing(l -> l.session().createdAt()));
      return out;
    }, false);
  }

  /** Ends one session of a user by its reference; false when the user has no such session. */
  public Future<Boolean> revoke(String userId, String ref) {
    return vertx.executeBlocking(() -> {
      var keys = map.keySet(Predicates.and(Predicates.equal("userId", userId), Predicates.equal("ref", ref)));
      keys.forEach(map::delete);
      return !keys.isEmpty();
    }, false);
  }

  /** Ends every session of a user, on every instance. Resolves to how many there were. */
  public Future<Integer> revokeUser(String userId) {
    return vertx.executeBlocking(() -> {
      var keys = map.keySet(Predicates.equal("userId", userId));
      keys.forEach(map::delete);
      return keys.size();
    }, false);
  }

  private String mac(String key, String payload) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(Secrets.hmacSha256(macKey, macDomain + key + "|" + payload));
  }


  private Future<String> store(Session session) {
    String id = Secrets.random256();
    long ttl = Math.max(1, Duration.between(clock.instant(), session.expiresAt()).toMillis());
    String key = Secrets.sha256(id);
    String payload = session.toJson().encode();
    // userId and ref stay top-level fields so that a user's sessions can be found by query.
    HazelcastJsonValue value = new HazelcastJsonValue(new JsonObject().put("userId", session.userId())
        .put("ref", ref(id)).put("session", payload).put("mac", mac(key, payload)).encode());
    return ClusterFutures.onContext(map.setAsync(key, value, ttl, TimeUnit.MILLISECONDS,
        idle.toMillis(), TimeUnit.MILLISECONDS), vertx).map(v -> id);
  }
}

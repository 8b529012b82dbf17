package dev.portcullis.gateway.identity.session;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A logged-in browser: who, how they proved it (method → when) and until when at most. Stored as
 * JSON in the cluster, under the SHA-256 of the session id, never the id itself.
 */
public record Session(String userId, String tenantId, String username, Map<String, Instant> authMethods,
    Instant createdAt, Instant expiresAt) {

  public Session {
    authMethods = Map.copyOf(authMethods);
  }

  /** The same session with one more proven method (e.g. after a second factor). */
  public Session withMethod(String method, Instant at) {
    Map<String, Instant> methods = new LinkedHashMap<>(authMethods);
    methods.put(method, at);
    return new Session(userId, tenantId, username, methods, createdAt, expiresAt);
  }

  JsonObject toJson() {
    JsonObject methods = new JsonObject();
    authMethods.forEach((k, v) -> methods.put(k, v.toEpochMilli()));
    return new JsonObject().put("userId", userId).put("tenantId", tenantId).put("username", username)
        .put("amr", methods).put("createdAt", createdAt.toEpochMilli()).put("expiresAt", expiresAt.toEpochMilli());
  }

  static Session fromJson(JsonObject json) {
    Map<String, Instant> methods = new LinkedHashMap<>();
    json.getJsonObject("amr").forEach(e -> methods.put(e.getKey(), Instant.ofEpochMilli(((Number) e.getValue())
        .longValue())));
    return new Session(json.getString("userId"), json.getString("tenantId"), json.getString("username"), methods,
        Instant.ofEpochMilli(json.getLong("createdAt")), Instant.ofEpochMilli(json.getLong("expiresAt")));
  }
}

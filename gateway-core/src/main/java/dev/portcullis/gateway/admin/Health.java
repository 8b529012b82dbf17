package dev.portcullis.gateway.admin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What {@code /readyz} reports: ready only when the configuration is loaded, every component says
 * it is up, and the gateway is not draining. Also keeps the result of the last configuration
 * (re)load, so an operator can see why a new file was not applied.
 */
public final class Health {

  private final Map<String, Boolean> components = new ConcurrentHashMap<>();
  private final Map<String, Supplier<JsonObject>> details = new ConcurrentHashMap<>();
  private volatile boolean draining;
  private volatile JsonObject lastReload = new JsonObject().put("result", "none");

  public void component(String name, boolean up) {
    components.put(name, up);
  }

  /**
   * Adds a section to the JSON, computed on every call and never part of the verdict (e.g. how many
   * members the cluster has, so that an operator sees a restarted instance rejoin).
   */
  public void detail(String name, Supplier<JsonObject> detail) {
    details.put(name, detail);
  }

  public void draining() {
    draining = true;
  }

  public boolean ready() {
    return !draining && !components.isEmpty() && components.values().stream().allMatch(Boolean::booleanValue)
        && components.getOrDefault("config", false);
  }

  public void reloadApplied(String source) {
    lastReload = new JsonObject().put("result", "applied").put("at", Instant.now().toString())
        .put("source", source);
  }

  public void reloadRejected(String source, List<String> problems) {
    lastReload = new JsonObject().put("result", "rejected").put("at", Instant.now().toString())
        .put("source", source).put("problems", new JsonArray(List.copyOf(problems)));
  }

  public JsonObject lastReload() {
    return lastReload;
  }

  public JsonObject toJson() {
    JsonObject parts = new JsonObject();
    components.forEach((name, up) -> parts.put(name, up ? "UP" : "DOWN"));
    JsonObject json = new JsonObject()
        .put("status", ready() ? "UP" : "DOWN")
        .put("draining", draining)
        .put("components", parts)
        .put("lastConfigReload", lastReload);
    details.forEach((name, detail) -> json.put(name, detail.get()));
    return json;
  }
}

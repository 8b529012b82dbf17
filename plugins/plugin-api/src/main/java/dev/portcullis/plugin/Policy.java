package dev.portcullis.plugin;

import io.vertx.core.Future;

/**
 * One policy instance, bound to one route's configuration. Created once per route per config
 * version by its {@link PolicyFactory}, then called for every request of that route, concurrently
 * from several event loops: keep per-request state in locals or {@link PolicyContext} attributes,
 * never in fields (shared immutable state and thread-safe caches are fine).
 *
 * <p><b>Contract.</b> {@link #evaluate} is called on an event loop and must not block; it must
 * return a future that completes within the route's policy timeout. A future that fails, a method
 * that throws, or a future still pending at the timeout is an error: the request is refused with
 * 503 {@code POLICY_ERROR} (fail closed), the error is logged with the route and policy id and
 * counted. A policy must not write to the response; it says what should happen through its
 * {@link Decision}.
 */
public interface Policy {

  /** Decides about one request. */
  Future<Decision> evaluate(PolicyContext context);

  /**
   * Called once the upstream response head has arrived, for requests this chain allowed, before it
   * is sent to the client. For observation (counters, learning what was used); it cannot change
   * the response. Called on the event loop; must not block or throw.
   */
  default void onResponse(PolicyContext context, int status) {
  }
}

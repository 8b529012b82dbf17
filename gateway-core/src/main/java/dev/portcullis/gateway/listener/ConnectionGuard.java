package dev.portcullis.gateway.listener;

import io.vertx.core.http.HttpConnection;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps open client connections across all listener instances. A connection over the cap is not
 * dropped silently: its requests get a 503 with {@code Connection: close}, so the client learns why.
 */
final class ConnectionGuard {

  private final AtomicInteger open;
  private final int max;
  private final Set<HttpConnection> overLimit = ConcurrentHashMap.newKeySet();

  ConnectionGuard(AtomicInteger open, int max) {
    this.open = open;
    this.max = max;
  }

  void opened(HttpConnection connection) {
    if (open.incrementAndGet() > max) {
      overLimit.add(connection);
    }
    connection.closeHandler(v -> {
      open.decrementAndGet();
      overLimit.remove(connection);
    });
  }

  boolean isOverLimit(HttpConnection connection) {
    return !overLimit.isEmpty() && overLimit.contains(connection);
  }
}

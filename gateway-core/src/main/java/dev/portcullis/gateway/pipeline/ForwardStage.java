package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.proxy.Forwarder;
import dev.portcullis.gateway.proxy.WebSocketRelay;

/**
 * Step 7: hands the request to the route's upstream (HTTP, or a WebSocket relay for upgrades),
 * unless the upstream's circuit breaker is open.
 */
final class ForwardStage implements Stage {

  private final Forwarder forwarder;
  private final WebSocketRelay webSockets;

  ForwardStage(Forwarder forwarder, WebSocketRelay webSockets) {
    this.forwarder = forwarder;
    this.webSockets = webSockets;
  }

  @Override
  public void handle(Exchange exchange) {
    if (!exchange.route().upstream().breaker().tryAcquirePermission()) {
      exchange.reject(Problem.unavailable("UPSTREAM_CIRCUIT_OPEN",
          "the upstream is failing; requests are paused for a moment"));
      return;
    }
    if (WebSocketRelay.isUpgrade(exchange.request())) {
      webSockets.relay(exchange);
    } else {
      forwarder.forward(exchange);
    }
  }
}

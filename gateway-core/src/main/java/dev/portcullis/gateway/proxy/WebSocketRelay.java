package dev.portcullis.gateway.proxy;

import dev.portcullis.gateway.observe.RequestObserver;
import dev.portcullis.gateway.pipeline.Exchange;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketConnectOptions;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * Passes a WebSocket upgrade through once the request has cleared the pipeline: the upstream
 * handshake is made first (so a failing upstream is a clean 502, not a dead socket), then the
 * client's upgrade is accepted and messages flow both ways with backpressure. A close on either
 * side closes the other with the same status.
 */
public final class WebSocketRelay {

  private static final Set<String> HANDSHAKE_HEADERS = Set.of(
      "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-accept",
      "sec-websocket-protocol");

  private final RequestObserver observer;

  public WebSocketRelay(RequestObserver observer) {
    this.observer = observer;
  }

  public static boolean isUpgrade(HttpServerRequest request) {
    return request.version() != HttpVersion.HTTP_2 && request.canUpgradeToWebSocket();
  }

  /** Relays an upgrade whose upstream breaker has already granted a permission. */
  public void relay(Exchange exchange) {
    Upstream upstream = exchange.route().upstream();
    HttpServerRequest request = exchange.request();
    UpstreamTarget target = upstream.choose();
    MultiMap headers = ForwardHeaders.forExchange(exchange);
    HANDSHAKE_HEADERS.forEach(headers::remove);
    if (exchange.route().config().preserveHost()) {
      headers.set("Host", request.authority().toString()); // the handshake keeps a Host it is given
    }
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setURI(ForwardHeaders.upstreamUri(exchange))
        .setConnectTimeout(upstream.config().timeouts().connect().toMillis())
        .setHeaders(headers);
    target.aim(options);
    String protocols = request.getHeader("Sec-WebSocket-Protocol");
    if (protocols != null) {
      Arrays.stream(protocols.split(",")).map(p -> p.trim().toLowerCase(Locale.ROOT))
          .filter(p -> !p.isEmpty()).forEach(options::addSubProtocol);
    }
    long start = System.nanoTime();
    upstream.webSocketClient().connect(options).onComplete(ar -> {
      long elapsed = System.nanoTime() - start;
      if (ar.failed()) {
        upstream.failed(target, elapsed, ar.cause());
        exchange.reject(UpstreamFailure.problem(ar.cause()));
        return;
      }
      upstream.succeeded(target, elapsed);
      observer.upstreamLatency(exchange.route().id(), elapsed);
      WebSocket upstreamSocket = ar.result();
      // hold what the upstream sends first (server-first protocols) until the client side is open
      upstreamSocket.pause();
      exchange.outcome("WEBSOCKET");
      request.toWebSocket().onComplete(accepted -> {
        if (accepted.failed()) {
          upstreamSocket.close();
          return;
        }
        pipe(accepted.result(), upstreamSocket);
        pipe(upstreamSocket, accepted.result());
        upstreamSocket.resume();
      });
    });
  }

  private static void pipe(WebSocketBase from, WebSocketBase to) {
    from.textMessageHandler(text -> {
      to.writeTextMessage(text);
      throttle(from, to);
    });
    from.binaryMessageHandler(data -> {
      to.writeBinaryMessage(data);
      throttle(from, to);
    });
    from.closeHandler(v -> {
      if (!to.isClosed()) {
        Short status = from.closeStatusCode();
        to.close(status == null ? 1000 : status, from.closeReason());
      }
    });
    from.exceptionHandler(err -> {
      if (!to.isClosed()) {
        to.close((short) 1011, "peer failed");
      }
    });
  }

  private static void throttle(WebSocketBase from, WebSocketBase to) {
    if (to.writeQueueFull()) {
      from.pause();
      to.drainHandler(v -> from.resume());
    }
  }
}

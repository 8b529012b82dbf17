package dev.portcullis.gateway.proxy;

import dev.portcullis.gateway.observe.RequestObserver;
import dev.portcullis.gateway.pipeline.Exchange;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;

import java.util.Locale;
import java.util.Set;

/**
 * Passes a WebSocket upgrade through once the request has cleared the pipeline, as a tunnel: the
 * client's handshake (key, version, subprotocols, extensions) goes to the upstream, the upstream's
 * {@code 101} (accept, chosen subprotocol, extensions) goes back to the client, and from then on
 * bytes flow both ways with backpressure. The gateway does not re-frame messages, so whatever the
 * two ends negotiate — {@code permessage-deflate}, a subprotocol — simply works.
 *
 * <p>The upstream answers first: a failing upstream is a clean 502, an upstream that refuses the
 * upgrade has its answer relayed, and only an upstream {@code 101} upgrades the client.
 */
public final class WebSocketRelay {

  /** Response headers of a 101 that describe the old HTTP framing, not the tunnel. */
  private static final Set<String> NOT_FOR_TUNNEL = Set.of("content-length", "transfer-encoding", "keep-alive");

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
    // the handshake's own headers are hop-by-hop for HTTP but belong to this upgrade
    headers.set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE);
    headers.set(HttpHeaders.UPGRADE, "websocket");
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setURI(ForwardHeaders.upstreamUri(exchange))
        .setConnectTimeout(upstream.config().timeouts().connect().toMillis())
        .setHeaders(headers);
    target.aim(options);
    long start = System.nanoTime();
    upstream.tunnelClient().request(options)
        .compose(upstreamRequest -> {
          upstreamRequest.authority(exchange.route().config().preserveHost() ? request.authority() : target.authority());
          return upstreamRequest.connect();
        })
        .onComplete(ar -> {
          long elapsed = System.nanoTime() - start;
          if (ar.failed()) {
            upstream.failed(target, elapsed, ar.cause());
            exchange.reject(UpstreamFailure.problem(ar.cause()));
            return;
          }
          upstream.succeeded(target, elapsed);
          observer.upstreamLatency(exchange.route().id(), elapsed);
          HttpClientResponse response = ar.result();
          if (response.statusCode() != 101) {
            Forwarder.respond(exchange, response); // the upstream declined the upgrade: relay its answer
            return;
          }
          tunnel(exchange, response);
        });
  }

  private static void tunnel(Exchange exchange, HttpClientResponse upgraded) {
    NetSocket upstreamSocket = upgraded.netSocket();
    // hold what the upstream sends first (server-first protocols) until the client side is open
    upstreamSocket.pause();
    HttpServerResponse response = exchange.response();
    response.setStatusCode(101);
    for (var header : upgraded.headers()) {
      if (!NOT_FOR_TUNNEL.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        response.headers().add(header.getKey(), header.getValue());
      }
    }
    exchange.outcome("WEBSOCKET");
    exchange.request().toNetSocket().onComplete(accepted -> {
      if (accepted.failed()) {
        upstreamSocket.close();
        return;
      }
      NetSocket clientSocket = accepted.result();
      clientSocket.pipeTo(upstreamSocket);
      upstreamSocket.pipeTo(clientSocket);
      upstreamSocket.resume();
    });
  }
}

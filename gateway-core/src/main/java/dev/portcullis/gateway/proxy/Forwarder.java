package dev.portcullis.gateway.proxy;

import dev.portcullis.gateway.observe.RequestObserver;
import dev.portcullis.gateway.pipeline.Exchange;
import dev.portcullis.gateway.pipeline.Problem;
import dev.portcullis.gateway.pipeline.RouteTable;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;

/**
 * Sends a request to its route's upstream and streams the answer back. Bodies are piped in both
 * directions with backpressure — never buffered whole — so memory use does not depend on body size.
 *
 * <p>Failure mapping: refused or unreachable → 502, no connection or no response head in time → 504,
 * circuit open → 503, body over the limit while streaming → 413. Transport failures count against
 * the target's passive health and the upstream's circuit breaker; answers of any status count as
 * success (an upstream's 500 is its answer, not an outage).
 */
public final class Forwarder {

  private final Vertx vertx;
  private final RequestObserver observer;

  public Forwarder(Vertx vertx, RequestObserver observer) {
    this.vertx = vertx;
    this.observer = observer;
  }

  /** Forwards a request whose upstream breaker has already granted a permission. */
  public void forward(Exchange exchange) {
    RouteTable.CompiledRoute route = exchange.route();
    Upstream upstream = route.upstream();
    HttpServerRequest request = exchange.request();
    UpstreamTarget target = upstream.choose();
    RequestOptions options = new RequestOptions()
        .setMethod(request.method())
        .setURI(ForwardHeaders.upstreamUri(exchange))
        .setConnectTimeout(upstream.config().timeouts().connect().toMillis())
        .setIdleTimeout(upstream.config().timeouts().idle().toMillis())
        .setHeaders(ForwardHeaders.forExchange(exchange));
    target.aim(options);
    long start = System.nanoTime();
    upstream.client().request(options).onComplete(ar -> {
      if (ar.failed()) {
        fail(exchange, upstream, target, start, ar.cause(), null);
        return;
      }
      send(exchange, upstream, target, start, ar.result());
    });
  }

  private void send(Exchange exchange, Upstream upstream, UpstreamTarget target, long start,
      HttpClientRequest upstreamRequest) {
    HttpServerRequest request = exchange.request();
    RouteTable.CompiledRoute route = exchange.route();
    upstreamRequest.authority(route.config().preserveHost() ? request.authority() : target.authority());
    exchange.onClientGone(() -> upstreamRequest.reset());
    ResponseDeadline deadline = new ResponseDeadline();
    deadline.timer = vertx.setTimer(upstream.config().timeouts().responseHeader().toMillis(), id -> {
      deadline.expired = true;
      upstreamRequest.reset();
    });
    if (!exchange.hasBody()) {
      request.resume(); // consume the (empty) end so the connection can carry the next request
      transmit(exchange, upstream, target, start, upstreamRequest, deadline, null);
    } else if (request.version() == HttpVersion.HTTP_2 && request.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
      // An HTTP/2 request without Content-Length may or may not have a body; read until the
      // first chunk or the end to know, so a body-less GET is not sent upstream as chunked.
      request.handler(first -> {
        request.pause();
        request.handler(null);
        request.endHandler(null);
        upstreamRequest.setChunked(true);
        transmit(exchange, upstream, target, start, upstreamRequest, deadline,
            new BodyLimit(request, route.config().maxBodySize(), first));
      });
      request.endHandler(v -> transmit(exchange, upstream, target, start, upstreamRequest, deadline, null));
      request.resume();
    } else {
      if (request.version() != HttpVersion.HTTP_2
          && "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
        request.response().writeContinue();
      }
      if (request.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
        upstreamRequest.setChunked(true);
      }
      transmit(exchange, upstream, target, start, upstreamRequest, deadline,
          new BodyLimit(request, route.config().maxBodySize(), null));
    }
  }

  private void transmit(Exchange exchange, Upstream upstream, UpstreamTarget target, long start,
      HttpClientRequest upstreamRequest, ResponseDeadline deadline, BodyLimit body) {
    if (body != null) {
      body.onExceeded(upstreamRequest::reset);
    }
    (body == null ? upstreamRequest.send() : upstreamRequest.send(body)).onComplete(ar -> {
      vertx.cancelTimer(deadline.timer);
      if (ar.failed()) {
        Throwable cause = deadline.expired ? new UpstreamFailure.ResponseHeaderTimeoutException() : ar.cause();
        fail(exchange, upstream, target, start, cause, body);
        return;
      }
      long elapsed = System.nanoTime() - start;
      upstream.succeeded(target, elapsed);
      observer.upstreamLatency(exchange.route().id(), elapsed);
      respond(exchange, ar.result());
    });
  }

  /** The response-header timer of one request; {@code expired} tells a timeout from other resets. */
  private static final class ResponseDeadline {
    long timer;
    boolean expired;
  }

  private static void respond(Exchange exchange, HttpClientResponse upstreamResponse) {
    HttpServerResponse response = exchange.response();
    exchange.upstreamResponded(upstreamResponse.statusCode());
    response.setStatusCode(upstreamResponse.statusCode());
    ForwardHeaders.toClient(upstreamResponse.headers(), response.headers());
    if (upstreamResponse.getHeader(HttpHeaders.CONTENT_LENGTH) == null
        && exchange.request().version() != HttpVersion.HTTP_2 && hasResponseBody(exchange, upstreamResponse)) {
      response.setChunked(true);
    }
    exchange.outcome("FORWARDED");
    relayBody(upstreamResponse, response);
  }

  /**
   * Streams the upstream body to the client with backpressure. Written out rather than
   * {@code response.send(upstreamResponse)}: that pipe keeps writing into a response whose client
   * has gone, which Vert.x reports as an unhandled "response has already been written".
   */
  private static void relayBody(HttpClientResponse upstreamResponse, HttpServerResponse response) {
    upstreamResponse.handler(chunk -> {
      if (response.closed()) {
        return;
      }
      response.write(chunk);
      if (response.writeQueueFull()) {
        upstreamResponse.pause();
        response.drainHandler(v -> upstreamResponse.resume());
      }
    });
    upstreamResponse.exceptionHandler(err -> {
      if (!response.ended() && !response.closed()) {
        response.reset();
      }
    });
    upstreamResponse.endHandler(v -> {
      if (!response.ended() && !response.closed()) {
        response.end();
      }
    });
    // a client that leaves resets the upstream request through Exchange.onClientGone
  }

  private static void fail(Exchange exchange, Upstream upstream, UpstreamTarget target, long start,
      Throwable cause, BodyLimit body) {
    long elapsed = System.nanoTime() - start;
    if (body != null && body.exceeded()) {
      upstream.breaker().releasePermission();
      exchange.reject(Problem.bodyTooLarge(exchange.route().config().maxBodySize()));
      return;
    }
    if (exchange.response().closed()) {
      upstream.breaker().releasePermission(); // the client left; says nothing about the upstream
      return;
    }
    upstream.failed(target, elapsed, cause);
    exchange.reject(UpstreamFailure.problem(cause));
  }

  private static boolean hasResponseBody(Exchange exchange, HttpClientResponse response) {
    int status = response.statusCode();
    return !exchange.request().method().name().equals("HEAD") && status != 204 && status != 304
        && (status < 100 || status >= 200);
  }
}

package dev.portcullis.gateway.proxy;

import dev.portcullis.gateway.observe.RequestObserver;
import dev.portcullis.gateway.pipeline.Exchange;
import dev.portcullis.gateway.pipeline.Problem;
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
    Upstream upstream = exchange.route().upstream();
    HttpServerRequest request = exchange.request();
    UpstreamTarget target = upstream.choose();
    RequestOptions options = new RequestOptions()
        .setMethod(request.method())
        .setURI(ForwardHeaders.upstreamUri(exchange))
        .setConnectTimeout(upstream.config().timeouts().connect().toMillis())
        .setIdleTimeout(upstream.config().timeouts().idle().toMillis());
    target.aim(options);
    Attempt attempt = new Attempt(exchange, upstream, target);
    exchange.onClientGone(attempt::clientGone);
    upstream.client().request(options).onComplete(ar -> {
      if (ar.failed()) {
        attempt.failed(ar.cause(), null);
      } else if (attempt.clientLeft) {
        ar.result().reset(); // the client left while we waited for a connection: send nothing
      } else {
        attempt.send(ar.result());
      }
    });
  }

  /**
   * One request's journey to its upstream. Settles the breaker permission exactly once (success,
   * failure or release), and owns the response-header deadline, which starts only when the
   * request body has been sent: a slow upload is the client's time, not the upstream's.
   */
  private final class Attempt {
    private final Exchange exchange;
    private final Upstream upstream;
    private final UpstreamTarget target;
    private final long start = System.nanoTime();
    private HttpClientRequest upstreamRequest;
    private boolean settled;
    private boolean clientLeft;
    private boolean deadlineExpired;
    private long deadline = -1;

    Attempt(Exchange exchange, Upstream upstream, UpstreamTarget target) {
      this.exchange = exchange;
      this.upstream = upstream;
      this.target = target;
    }

    void send(HttpClientRequest upstreamRequest) {
      this.upstreamRequest = upstreamRequest;
      HttpServerRequest request = exchange.request();
      long limit = exchange.route().config().maxBodySize();
      ForwardHeaders.writeTo(exchange, upstreamRequest.headers());
      upstreamRequest.authority(exchange.route().config().preserveHost() ? request.authority() : target.authority());
      if (!exchange.hasBody()) {
        request.resume(); // consume the (empty) end so the connection can carry the next request
        transmit(null);
      } else if (request.version() == HttpVersion.HTTP_2 && request.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
        // An HTTP/2 request without Content-Length may or may not have a body; read until the
        // first chunk or the end to know, so a body-less GET is not sent upstream as chunked.
        request.handler(first -> {
          request.pause();
          request.handler(null);
          request.endHandler(null);
          upstreamRequest.setChunked(true);
          transmit(new BodyLimit(request, limit, first));
        });
        request.endHandler(v -> transmit(null));
        request.resume();
      } else {
        if (request.version() != HttpVersion.HTTP_2
            && "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
          request.response().writeContinue();
        }
        if (request.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
          upstreamRequest.setChunked(true);
        }
        transmit(new BodyLimit(request, limit, null));
      }
    }

    private void transmit(BodyLimit body) {
      if (clientLeft) {
        return;
      }
      if (body == null) {
        startDeadline();
      } else {
        body.onExceeded(upstreamRequest::reset);
        body.onEnd(this::startDeadline);
      }
      (body == null ? upstreamRequest.send() : upstreamRequest.send(body)).onComplete(ar -> {
        if (deadline >= 0) {
          vertx.cancelTimer(deadline);
        }
        if (ar.failed()) {
          failed(deadlineExpired ? new UpstreamFailure.ResponseHeaderTimeoutException() : ar.cause(), body);
          return;
        }
        long elapsed = System.nanoTime() - start;
        if (settle()) {
          upstream.succeeded(target, elapsed);
        }
        observer.upstreamLatency(exchange.route().id(), elapsed);
        respond(exchange, ar.result());
      });
    }

    private void startDeadline() {
      deadline = vertx.setTimer(upstream.config().timeouts().responseHeader().toMillis(), id -> {
        deadlineExpired = true;
        upstreamRequest.reset();
      });
    }

    void clientGone() {
      clientLeft = true;
      if (settle()) {
        upstream.breaker().releasePermission(); // says nothing about the upstream
      }
      if (upstreamRequest != null) {
        upstreamRequest.reset();
      }
    }

    void failed(Throwable cause, BodyLimit body) {
      if (body != null && body.exceeded()) {
        if (settle()) {
          upstream.breaker().releasePermission();
        }
        exchange.reject(Problem.bodyTooLarge(exchange.route().config().maxBodySize()));
        return;
      }
      if (clientLeft || exchange.response().closed()) {
        clientGone();
        return;
      }
      if (settle()) {
        upstream.failed(target, System.nanoTime() - start, cause);
      }
      exchange.reject(UpstreamFailure.problem(cause));
    }

    /** True the first time only: the breaker permission is settled once. */
    private boolean settle() {
      if (settled) {
        return false;
      }
      settled = true;
      return true;
    }
  }

  static void respond(Exchange exchange, HttpClientResponse upstreamResponse) {
    upstreamResponse.pause(); // until the audit event is journaled (normally it already is)
    exchange.beforeResponse(() -> relayResponse(exchange, upstreamResponse),
        () -> upstreamResponse.request().reset());
  }

  private static void relayResponse(Exchange exchange, HttpClientResponse upstreamResponse) {
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
    upstreamResponse.resume();
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

  private static boolean hasResponseBody(Exchange exchange, HttpClientResponse response) {
    int status = response.statusCode();
    return !exchange.request().method().name().equals("HEAD") && status != 204 && status != 304
        && (status < 100 || status >= 200);
  }
}

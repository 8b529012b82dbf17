package dev.portcullis.gateway.listener;

import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.pipeline.Problem;
import dev.portcullis.gateway.pipeline.RequestPipeline;
import dev.portcullis.gateway.tls.TlsPolicy;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.KeyCertOptions;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The HTTPS listener end users connect to. One instance per event loop, all bound to the same port.
 * It only accepts connections, applies the listener limits, and hands each request to whatever
 * pipeline is current — it knows nothing about routes or policies.
 */
public final class PublicListener extends VerticleBase {

  private final GatewayConfig.PublicListener config;
  private final GatewayConfig.Limits limits;
  private final KeyCertOptions keyCert;
  private final AtomicReference<RequestPipeline> pipeline;
  private final ConnectionGuard guard;
  private final String hsts;
  private HttpServer server;

  public PublicListener(GatewayConfig.PublicListener config, GatewayConfig.Limits limits, KeyCertOptions keyCert,
      AtomicReference<RequestPipeline> pipeline, AtomicInteger openConnections) {
    this.config = config;
    this.limits = limits;
    this.keyCert = keyCert;
    this.pipeline = pipeline;
    this.guard = new ConnectionGuard(openConnections, limits.maxConnections());
    this.hsts = config.hsts().headerValue();
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = TlsPolicy.apply(new HttpServerOptions(), keyCert, config.http2(),
        config.tls().engine())
        .setMaxInitialLineLength(limits.maxRequestLine())
        .setMaxHeaderSize(limits.maxHeaderSize())
        .setIdleTimeout((int) limits.idleTimeout().toSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setHandle100ContinueAutomatically(false)
        .setCompressionSupported(false)
        .setTcpNoDelay(true);
    server = vertx.createHttpServer(options)
        .connectionHandler(guard::opened)
        .requestHandler(this::handle);
    return server.listen(config.port(), config.host());
  }

  private void handle(HttpServerRequest request) {
    if (guard.isOverLimit(request.connection())) {
      Problem p = Problem.unavailable("TOO_MANY_CONNECTIONS", "the gateway has too many open connections");
      request.response().setStatusCode(503)
          .putHeader(HttpHeaders.CONTENT_TYPE, Problem.CONTENT_TYPE)
          .putHeader(HttpHeaders.CONNECTION, "close")
          .putHeader("Strict-Transport-Security", hsts)
          .end(p.toJson(null).toBuffer());
      return;
    }
    pipeline.get().handle(request);
  }

  public HttpServer server() {
    return server;
  }

  /** Stops accepting and lets in-flight requests finish, up to {@code drainMillis}. */
  public Future<Void> drain(long drainMillis) {
    return server.shutdown(drainMillis, TimeUnit.MILLISECONDS);
  }
}

package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.observe.GatewayMetrics;
import dev.portcullis.gateway.tls.TlsPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * The admin listener (HTTPS, its own port): {@code /healthz} (the process is alive), {@code /readyz}
 * (send traffic here) and {@code /metrics} (Prometheus), and the parts of the admin API added with
 * {@link #extend} (the audit API under {@code /admin/v1/audit}).
 */
public final class AdminServer {

  private final GatewayConfig.AdminListener config;
  private final Health health;
  private final GatewayMetrics metrics;
  private HttpServer server;
  private final java.util.List<java.util.function.Consumer<Router>> extensions = new java.util.ArrayList<>();

  public AdminServer(GatewayConfig.AdminListener config, Health health, GatewayMetrics metrics) {
    this.config = config;
    this.health = health;
    this.metrics = metrics;
  }

  /** Adds routes (an admin API part) before {@link #start}. */
  public void extend(java.util.function.Consumer<Router> routes) {
    extensions.add(routes);
  }

  public Future<HttpServer> start(Vertx vertx, KeyCertOptions keyCert) {
    Router router = Router.router(vertx);
    extensions.forEach(e -> e.accept(router));
    router.get("/healthz").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("status", "UP").encode()));
    router.get("/readyz").handler(ctx -> ctx.response()
        .setStatusCode(health.ready() ? 200 : 503)
        .putHeader("Content-Type", "application/json")
        .end(health.toJson().encode()));
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
    server = vertx.createHttpServer(TlsPolicy.apply(new HttpServerOptions(), keyCert, false,
            config.tls().engine()))
        .requestHandler(router);
    return server.listen(config.port(), config.host());
  }

  public HttpServer server() {
    return server;
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}

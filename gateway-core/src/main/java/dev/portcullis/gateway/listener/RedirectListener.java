package dev.portcullis.gateway.listener;

import dev.portcullis.gateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;

/**
 * Plain HTTP that does nothing but send the client to HTTPS (308, so the method and body are kept).
 * It never proxies: a request that arrived in clear text is not forwarded anywhere.
 */
public final class RedirectListener {

  private final GatewayConfig.RedirectListener config;
  private HttpServer server;

  public RedirectListener(GatewayConfig.RedirectListener config) {
    this.config = config;
  }

  public Future<HttpServer> start(Vertx vertx) {
    server = vertx.createHttpServer(new HttpServerOptions().setMaxInitialLineLength(8192))
        .requestHandler(this::redirect);
    return server.listen(config.port(), config.host());
  }

  private void redirect(HttpServerRequest request) {
    HostAndPort authority = request.authority();
    if (authority == null || authority.host().isEmpty()) {
      request.response().setStatusCode(400).putHeader("Content-Type", "text/plain")
          .end("HTTPS required, and this request has no Host header\n");
      return;
    }
    String host = authority.host().indexOf(':') >= 0 ? "[" + authority.host() + "]" : authority.host();
    String port = config.httpsPort() == 443 ? "" : ":" + config.httpsPort();
    request.response().setStatusCode(308)
        .putHeader("Location", "https://" + host + port + request.uri())
        .putHeader("Connection", "close")
        .end();
  }

  public HttpServer server() {
    return server;
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}

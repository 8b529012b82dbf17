package dev.portcullis.gateway.support;

import dev.portcullis.samples.EchoServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicInteger;

/** Real upstream servers on loopback for tests, in their own Vert.x instance. */
public final class Backends implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();

  /** The sample echo backend on a free port; returns its base URL. */
  public String echo() {
    EchoServer echo = new EchoServer();
    TestGateway.await(vertx.deployVerticle(echo,
        new DeploymentOptions().setConfig(new JsonObject().put("port", 0))));
    return "http://127.0.0.1:" + echo.actualPort();
  }

  /** A backend that only counts the requests it gets and answers 200; returns its base URL. */
  public String counting(AtomicInteger hits) {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      hits.incrementAndGet();
      req.response().end("counted");
    });
    TestGateway.await(server.listen(0, "127.0.0.1"));
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** A loopback port nothing listens on (bound, read, released). */
  public static int closedPort() {
    return ForkedGateway.freePort(); // outside the range a port-0 bind could later take
  }

  public Vertx vertx() {
    return vertx;
  }

  @Override
  public void close() {
    TestGateway.await(vertx.close());
  }
}

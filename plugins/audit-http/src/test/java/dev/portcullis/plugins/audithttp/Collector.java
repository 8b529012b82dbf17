package dev.portcullis.plugins.audithttp;

import dev.portcullis.plugin.testkit.TestCertificates;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A real HTTPS collector on 127.0.0.1 for the tests: records every POST and answers a chosen status. */
final class Collector implements AutoCloseable {

  /** One POST and the status it was answered with (0: not answered). */
  record Received(String path, MultiMap headers, String body, int status) {
    List<String> lines() {
      return body.lines().toList();
    }
  }

  final List<Received> received = new CopyOnWriteArrayList<>();
  private final Vertx vertx;
  private final TestCertificates.Pem cert;
  private volatile int status = 200;
  private volatile boolean answer = true;
  private HttpServer server;
  private int port;

  Collector(Vertx vertx, TestCertificates.Pem cert) {
    this.vertx = vertx;
    this.cert = cert;
  }

  /** Starts on a free port (0) or, after {@link #stop()}, on the port it had before. */
  Collector start() {
    HttpServerOptions options = new HttpServerOptions().setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
        .setCertPath(cert.cert().toString()).setKeyPath(cert.key().toString()));
    server = await(vertx.createHttpServer(options).requestHandler(request -> request.body().onSuccess(body -> {
      int answered = answer ? status : 0;
      received.add(new Received(request.uri(), MultiMap.caseInsensitiveMultiMap().addAll(request.headers()),
          body.toString(), answered));
      if (answer) {
        request.response().setStatusCode(answered).end("{\"status\":" + answered + "}");
      }
    })).listen(port, "127.0.0.1"));
    port = server.actualPort();
    return this;
  }

  void stop() {
    await(server.close());
  }

  Collector status(int status) {
    this.status = status;
    return this;
  }

  /** Reads requests but never answers them (a hung collector). */
  Collector silent() {
    this.answer = false;
    return this;
  }

  /** The event ids of every record in a POST the collector accepted (2xx), with repeats. */
  List<String> acceptedIds() {
    return received.stream().filter(r -> r.status() >= 200 && r.status() < 300).flatMap(r -> r.lines().stream())
        .map(line -> new io.vertx.core.json.JsonObject(line).getString("id")).toList();
  }

  String url(String path) {
    return "https://127.0.0.1:" + port + path;
  }

  @Override
  public void close() {
    stop();
  }

  static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}

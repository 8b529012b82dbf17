package dev.portcullis.samples;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * Answers every request with what it received — method, path, query, headers and body length — as
 * JSON. The body is counted while it streams in, never held, so it can take uploads of any size.
 *
 * <p>A few paths do something else, for exercising a proxy:
 * <ul>
 *   <li>{@code GET /bytes?n=N} streams N bytes (pattern {@code 0..255} repeating) with backpressure;</li>
 *   <li>{@code /slow?ms=M} answers after M milliseconds;</li>
 *   <li>{@code /status/CODE} answers with that status;</li>
 *   <li>a WebSocket upgrade on any path echoes every message back.</li>
 * </ul>
 *
 * <p>Runs alone ({@code java -jar portcullis-sample-backends-*-echo.jar [port]}) or deployed as a
 * verticle with config {@code {"host": ..., "port": ...}}.
 */
public class EchoServer extends VerticleBase {

  public static final int DEFAULT_PORT = 9001;
  private static final int CHUNK = 64 * 1024;

  private HttpServer server;

  @Override
  public Future<?> start() {
    int port = config().getInteger("port", DEFAULT_PORT);
    String host = config().getString("host", "127.0.0.1");
    server = vertx.createHttpServer(new HttpServerOptions().setMaxHeaderSize(64 * 1024))
        .webSocketHandler(EchoServer::echoWebSocket)
        .requestHandler(this::handle);
    return server.listen(port, host);
  }

  /** The port actually bound (useful with port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private void handle(HttpServerRequest request) {
    String path = request.path();
    if (path.equals("/bytes")) {
      streamBytes(request, Long.parseLong(request.getParam("n", "0")));
    } else if (path.equals("/slow")) {
      long ms = Long.parseLong(request.getParam("ms", "1000"));
      request.pause(); // keep the body (and its end) for echo() to count after the delay
      vertx.setTimer(Math.max(1, ms), id -> {
        echo(request, 200);
        request.resume();
      });
    } else if (path.startsWith("/status/")) {
      echo(request, Integer.parseInt(path.substring("/status/".length())));
    } else {
      echo(request, 200);
    }
  }

  private static void echo(HttpServerRequest request, int status) {
    long[] length = {0};
    request.handler(chunk -> length[0] += chunk.length());
    request.exceptionHandler(err -> request.response().reset());
    request.endHandler(v -> {
      JsonObject headers = new JsonObject();
      for (Map.Entry<String, String> h : request.headers()) {
        String name = h.getKey().toLowerCase();
        JsonArray values = headers.getJsonArray(name);
        if (values == null) {
          headers.put(name, values = new JsonArray());
        }
        values.add(h.getValue());
      }
      JsonObject body = new JsonObject()
          .put("method", request.method().name())
          .put("path", request.path())
          .put("query", request.query())
          .put("uri", request.uri())
          .put("version", request.version().alpnName())
          .put("headers", headers)
          .put("bodyLength", length[0]);
      request.response().setStatusCode(status)
          .putHeader("content-type", "application/json")
          .end(body.encode());
    });
  }

  private static void streamBytes(HttpServerRequest request, long total) {
    HttpServerResponse response = request.response();
    response.putHeader("content-type", "application/octet-stream");
    response.putHeader("content-length", Long.toString(total));
    Buffer chunk = Buffer.buffer(CHUNK);
    for (int i = 0; i < CHUNK; i++) {
      chunk.appendByte((byte) i);
    }
    new Object() {
      long left = total;

      void pump() {
        while (left > 0 && !response.writeQueueFull()) {
          int n = (int) Math.min(CHUNK, left);
          left -= n;
          response.write(n == CHUNK ? chunk : chunk.getBuffer(0, n));
        }
        if (left == 0) {
          response.end();
        } else if (!response.closed()) {
          response.drainHandler(v -> pump());
        }
      }
    }.pump();
  }

  private static void echoWebSocket(ServerWebSocket ws) {
    ws.textMessageHandler(ws::writeTextMessage);
    ws.binaryMessageHandler(ws::writeBinaryMessage);
  }

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_PORT;
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(new EchoServer(),
            new io.vertx.core.DeploymentOptions().setConfig(new JsonObject().put("port", port)))
        .onSuccess(id -> System.out.println("echo backend listening on 127.0.0.1:" + port))
        .onFailure(err -> {
          System.err.println("echo backend failed to start: " + err.getMessage());
          vertx.close();
          System.exit(1);
        });
  }
}

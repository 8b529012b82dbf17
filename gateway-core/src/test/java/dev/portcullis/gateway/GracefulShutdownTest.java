package dev.portcullis.gateway;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.Https;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** SIGTERM: readiness turns false, no new connections, and the request in flight still completes. */
class GracefulShutdownTest {

  @TempDir
  Path dir;

  @Test
  void sigtermDrainsInFlightRequestsBeforeExiting() throws Exception {
    try (Backends backends = new Backends()) {
      CountDownLatch arrived = new CountDownLatch(1);
      HttpServer slow = backends.vertx().createHttpServer().requestHandler(req -> {
        arrived.countDown();
        backends.vertx().setTimer(3000, id -> req.response().end("finished after drain"));
      });
      dev.portcullis.gateway.support.TestGateway.await(slow.listen(0, "127.0.0.1"));
      try (ForkedGateway gateway = ForkedGateway.start(dir, """
          limits: { drainTimeout: 20s }
          routes:
            - { id: slow, match: { pathPrefix: / }, upstream: { targets: [ "http://127.0.0.1:%d" ] }, public: true }
          """.formatted(slow.actualPort()), List.of("-Xmx256m"))) {
        CompletableFuture<HttpResponse<String>> inFlight =
            CompletableFuture.supplyAsync(() -> Https.get(Https.client(), gateway.url("/work")));
        assertThat(arrived.await(30, TimeUnit.SECONDS)).isTrue();

        gateway.terminate();

        await().atMost(Duration.ofSeconds(5)).until(() -> refusesConnections(gateway.port));
        HttpResponse<String> response = inFlight.get(30, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("finished after drain");
        assertThat(gateway.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(gateway.logTail()).contains("draining in-flight requests").contains("Portcullis stopped");
      }
    }
  }

  private static boolean refusesConnections(int port) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }
}

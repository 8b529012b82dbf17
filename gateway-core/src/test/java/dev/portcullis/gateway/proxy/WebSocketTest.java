package dev.portcullis.gateway.proxy;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A WebSocket upgrade passes through the gateway to the echo backend and back, over TLS. */
class WebSocketTest {

  @TempDir
  Path dir;

  @Test
  void preserveHostReachesTheUpstreamHandshake() {
    try (Backends backends = new Backends()) {
      io.vertx.core.http.HttpServer hostReporter = backends.vertx().createHttpServer()
          .webSocketHandler(ws -> ws.writeTextMessage("host=" + ws.headers().get("Host"))); // server speaks first
      TestGateway.await(hostReporter.listen(0, "127.0.0.1"));
      try (TestGateway gateway = TestGateway.start(dir, TestGateway.header(dir) + """
          routes:
            - { id: kept, match: { pathPrefix: /kept }, upstream: { targets: [ "http://127.0.0.1:%1$d" ] },
                preserveHost: true, public: true }
            - { id: plain, match: { pathPrefix: /plain }, upstream: { targets: [ "http://127.0.0.1:%1$d" ] },
                public: true }
          """.formatted(hostReporter.actualPort()))) {
        WebSocketClient ws = backends.vertx().createWebSocketClient(new WebSocketClientOptions().setSsl(true)
            .setTrustAll(true).setVerifyHost(false));
        for (String route : List.of("kept", "plain")) {
          List<String> texts = new CopyOnWriteArrayList<>();
          // the handler is set before the handshake completes, so nothing the server sends first is missed
          io.vertx.core.http.ClientWebSocket socket = ws.webSocket();
          socket.textMessageHandler(texts::add);
          TestGateway.await(socket.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
              .setPort(gateway.port()).setSsl(true).setURI("/" + route).addHeader("Host", "app.example.test")));
          await().atMost(Duration.ofSeconds(10)).until(() -> texts.size() == 1);
          assertThat(texts.get(0)).isEqualTo(route.equals("kept") ? "host=app.example.test"
              : "host=127.0.0.1:" + hostReporter.actualPort());
          TestGateway.await(socket.close());
        }
      }
    }
  }

  @Test
  void theSubprotocolTheUpstreamChoosesReachesTheClient() {
    try (Backends backends = new Backends()) {
      io.vertx.core.http.HttpServer chat = backends.vertx().createHttpServer(new io.vertx.core.http.HttpServerOptions()
              .setWebSocketSubProtocols(List.of("superchat")))
          .webSocketHandler(ws -> ws.textMessageHandler(text -> ws.writeTextMessage(ws.subProtocol() + ":" + text)));
      TestGateway.await(chat.listen(0, "127.0.0.1"));
      try (TestGateway gateway = TestGateway.start(dir, TestGateway.header(dir) + """
          routes:
            - { id: chat, match: { pathPrefix: / }, upstream: { targets: [ "http://127.0.0.1:%d" ] }, public: true }
          """.formatted(chat.actualPort()))) {
        WebSocketClient ws = backends.vertx().createWebSocketClient(new WebSocketClientOptions().setSsl(true)
            .setTrustAll(true).setVerifyHost(false));
        io.vertx.core.http.ClientWebSocket socket = ws.webSocket();
        List<String> texts = new CopyOnWriteArrayList<>();
        socket.textMessageHandler(texts::add);
        TestGateway.await(socket.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port())
            .setSsl(true).setURI("/chat").setSubProtocols(List.of("chat", "superchat"))));
        assertThat(socket.subProtocol()).isEqualTo("superchat");
        socket.writeTextMessage("hi");
        await().atMost(Duration.ofSeconds(10)).until(() -> texts.size() == 1);
        assertThat(texts.get(0)).isEqualTo("superchat:hi");
        TestGateway.await(socket.close());
      }
    }
  }

  @Test
  void textAndBinaryMessagesEchoThroughTheGateway() {
    try (Backends backends = new Backends();
         TestGateway gateway = TestGateway.start(dir, TestGateway.header(dir) + """
             routes:
               - { id: ws, match: { pathPrefix: /ws }, upstream: { targets: [ "%s" ] }, public: true }
               - { id: dead, match: { pathPrefix: /dead }, upstream: { targets: [ "http://127.0.0.1:%d" ] }, public: true }
               - { id: plain, match: { pathPrefix: /plain-http }, upstream: { targets: [ "%s" ] }, public: true }
             """.formatted(backends.echo(), Backends.closedPort(), backends.counting(new java.util.concurrent.atomic.AtomicInteger())))) {
      Vertx client = backends.vertx();
      // trustAll: the gateway's own self-signed certificate on loopback
      WebSocketClient ws = client.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setTrustAll(true)
          .setVerifyHost(false));
      WebSocket socket = TestGateway.await(ws.connect(new WebSocketConnectOptions()
          .setHost("127.0.0.1").setPort(gateway.port()).setSsl(true).setURI("/ws/chat")));
      List<String> texts = new CopyOnWriteArrayList<>();
      List<Buffer> binaries = new CopyOnWriteArrayList<>();
      socket.textMessageHandler(texts::add);
      socket.binaryMessageHandler(binaries::add);
      for (int i = 0; i < 20; i++) {
        socket.writeTextMessage("message " + i);
      }
      socket.writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3, 4}));
      await().atMost(Duration.ofSeconds(10)).until(() -> texts.size() == 20 && binaries.size() == 1);
      assertThat(texts).startsWith("message 0", "message 1").endsWith("message 19");
      assertThat(binaries.get(0).getBytes()).containsExactly(1, 2, 3, 4);
      TestGateway.await(socket.close());

      // an upstream that does not speak WebSocket answers the upgrade with plain HTTP: relayed as is
      assertThatThrownBy(() -> TestGateway.await(ws.connect(new WebSocketConnectOptions()
          .setHost("127.0.0.1").setPort(gateway.port()).setSsl(true).setURI("/plain-http"))))
          .hasMessageContaining("200");

      // an upstream that is down fails the upgrade cleanly instead of leaving a dead socket
      assertThatThrownBy(() -> TestGateway.await(ws.connect(new WebSocketConnectOptions()
          .setHost("127.0.0.1").setPort(gateway.port()).setSsl(true).setURI("/dead"))))
          .hasMessageContaining("502");
    }
  }
}

package dev.portcullis.plugins.auditsyslog;

import dev.portcullis.plugin.testkit.TestCertificates;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.parsetools.RecordParser;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real syslog-over-TLS receiver on 127.0.0.1: parses RFC 5425 octet-counted frames and keeps
 * every message; optionally requires a client certificate. {@link #slam()} replaces it, on the same
 * port, with a server that closes every connection as soon as it is accepted.
 */
final class SyslogCollector implements AutoCloseable {

  /** One received message and the subject of the client certificate it came with (null without). */
  record Message(String text, byte[] bytes, String clientSubject) {
  }

  final List<Message> messages = new CopyOnWriteArrayList<>();
  private final Vertx vertx;
  private final TestCertificates.Pem cert;
  private TestCertificates clientCa;
  private NetServer server;
  private String host = "127.0.0.1";
  private int port;

  /** @param cert the server's certificate; null for a plain TCP receiver */
  SyslogCollector(Vertx vertx, TestCertificates.Pem cert) {
    this.vertx = vertx;
    this.cert = cert;
  }

  /** Listens on this loopback address instead of 127.0.0.1. */
  SyslogCollector host(String host) {
    this.host = host;
    return this;
  }

  /** Requires a client certificate signed by this authority. */
  SyslogCollector requireClientCertificate(TestCertificates authority) {
    this.clientCa = authority;
    return this;
  }

  /** Starts on a free port (0) or, after {@link #stop()}, on the port it had before. */
  SyslogCollector start() {
    NetServerOptions options = new NetServerOptions();
    if (cert != null) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(cert.cert().toString()).setKeyPath(cert.key().toString()));
    }
    if (clientCa != null) {
      options.setClientAuth(ClientAuth.REQUIRED).setTrustOptions(new PemTrustOptions()
          .addCertPath(clientCa.cert().toString()));
    }
    server = await(vertx.createNetServer(options).connectHandler(socket -> {
      String subject = null;
      try {
        if (clientCa != null) {
          subject = ((java.security.cert.X509Certificate) socket.peerCertificates().get(0))
              .getSubjectX500Principal().getName();
        }
      } catch (Exception e) {
        socket.close();
        return;
      }
      String clientSubject = subject;
      // <length> SP, then exactly length bytes, then the next length
      RecordParser parser = RecordParser.newDelimited(" ");
      int[] expected = {-1};
      parser.handler(part -> {
        if (expected[0] < 0) {
          expected[0] = Integer.parseInt(part.toString(StandardCharsets.US_ASCII));
          parser.fixedSizeMode(expected[0]);
        } else {
          messages.add(new Message(part.toString(StandardCharsets.UTF_8), part.getBytes(), clientSubject));
          expected[0] = -1;
          parser.delimitedMode(" ");
        }
      });
      socket.handler(parser);
    }).listen(port, host));
    port = server.actualPort();
    return this;
  }

  /** Stops, then listens on the same port with a plain TCP server that closes every connection at once. */
  void slam() {
    stop();
    server = await(vertx.createNetServer().connectHandler(socket -> socket.close()).listen(port, host));
  }

  void stop() {
    await(server.close());
  }

  int port() {
    return port;
  }

  @Override
  public void close() {
    stop();
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}

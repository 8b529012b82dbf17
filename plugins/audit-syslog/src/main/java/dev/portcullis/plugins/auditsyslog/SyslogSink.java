package dev.portcullis.plugins.auditsyslog;

import dev.portcullis.plugin.audit.AuditRecord;
import dev.portcullis.plugin.audit.AuditSink;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Writes each batch as RFC 5424 messages, octet-counted (RFC 5425), over one long-lived TLS
 * connection. A batch is delivered when all its frames have been written to the connection and
 * flushed (the write future completed); syslog has no acknowledgement beyond that. A connection
 * error, a failed write or the timeout fails the batch and drops the connection (a half-written
 * frame would corrupt the stream); the next batch connects again.
 *
 * <p>All state is touched on the event loop that calls {@code deliver} (the shipper's, one batch at
 * a time); the socket's handlers run on the same loop because the socket is opened from it.
 */
final class SyslogSink implements AuditSink {


  private final Vertx vertx;
  private final NetClient client;
  private final String host;
  private final int port;
  private final String target;
  private final long timeoutMillis;
  private final SyslogMessages messages;
  private volatile NetSocket socket;

  SyslogSink(Vertx vertx, String host, int port, boolean tls, Path caFile, Path certFile, Path keyFile, Duration timeout, SyslogMessages messages) {
    this.vertx = vertx;
    this.host = host;
    this.port = port;
    this.target = (tls ? "tls://" : "tcp://") + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host)
        + ":" + port;
    this.timeoutMillis = timeout.toMillis();
    this.messages = messages;
    NetClientOptions options = new NetClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis))
        .setTcpKeepAlive(true)
        .setTcpNoDelay(true)
        .setSsl(tls);
    if (tls) {
      options.setSslHandshakeTimeout(timeoutMillis).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)
          // NetClient verifies no host name unless told to (unlike the HTTP client)
          .setHostnameVerificationAlgorithm("HTTPS");
      if (caFile != null) {
        options.setTrustOptions(new PemTrustOptions().addCertPath(caFile.toString()));
      }
      if (certFile != null) {
        options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(certFile.toString())
            .setKeyPath(keyFile.toString()));
      }
    }
    this.client = vertx.createNetClient(options);
  }

  @Override
  public Future<Void> deliver(List<AuditRecord> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    String records = "records " + batch.get(0).sequence() + "-" + batch.get(batch.size() - 1).sequence();
    Buffer frames = Buffer.buffer(batch.size() * 512);
    for (AuditRecord record : batch) {
      messages.frame(record, frames);
    }
    Promise<Void> result = Promise.promise();
    long timer = vertx.setTimer(timeoutMillis, id -> {
      if (result.tryFail(new SyslogException("syslog " + target + " did not take " + records + " within "
          + timeoutMillis + " ms", null))) {
        drop();
      }
    });
    connection()
        .compose(connected -> connected.write(frames).onFailure(e -> drop(connected)))
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded()) {
            result.tryComplete();
          } else {
            drop();
            result.tryFail(new SyslogException("cannot deliver " + records + " to syslog " + target + ": "
                + ar.cause(), ar.cause()));
          }
        });
    return result.future();
  }

  /** The open connection, or a new one. */
  private Future<NetSocket> connection() {
    NetSocket current = socket;
    if (current != null) {
      return Future.succeededFuture(current);
    }
    return client.connect(port, host).map(connected -> {
      connected.handler(ignored -> {
      }); // collectors do not answer; whatever they send is dropped
      connected.exceptionHandler(e -> drop(connected));
      connected.closeHandler(v -> {
        if (socket == connected) {
          socket = null;
        }
      });
      socket = connected;
      return connected;
    });
  }

  /** True while a connection is open (for tests). */
  boolean connected() {
    return socket != null;
  }

  private void drop() {
    NetSocket current = socket;
    if (current != null) {
      drop(current);
    }
  }

  private void drop(NetSocket connection) {
    if (socket == connection) {
      socket = null;
    }
    connection.close();
  }

  @Override
  public Future<Void> close() {
    NetSocket current = socket;
    socket = null;
    Future<Void> closing = current == null ? Future.succeededFuture() : current.close().recover(e -> Future.succeededFuture());
    return closing.eventually(client::close);
  }

  /** A failed delivery. */
  static final class SyslogException extends RuntimeException {
    SyslogException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}

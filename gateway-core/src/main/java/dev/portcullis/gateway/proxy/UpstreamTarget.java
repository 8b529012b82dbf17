package dev.portcullis.gateway.proxy;

import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;

import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One server behind an upstream, with its passive health: after {@code threshold} transport
 * failures in a row it is ejected (skipped) until {@code ejectedUntilNanos}; a success resets it.
 */
public final class UpstreamTarget {

  private final URI uri;
  private final SocketAddress address;
  private final HostAndPort authority;
  private final boolean ssl;
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private volatile long ejectedUntilNanos;

  UpstreamTarget(URI uri) {
    this.uri = uri;
    this.ssl = uri.getScheme().equalsIgnoreCase("https");
    int port = uri.getPort() > 0 ? uri.getPort() : ssl ? 443 : 80;
    String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
    this.address = SocketAddress.inetSocketAddress(port, host);
    this.authority = HostAndPort.create(host, port);
  }

  /** Points request options at this target: socket address, Host and TLS server name, port, TLS. */
  public void aim(RequestOptions options) {
    options.setServer(address);
    options.setHost(authority.host());
    options.setPort(authority.port());
    options.setSsl(ssl);
  }

  public SocketAddress address() {
    return address;
  }

  public HostAndPort authority() {
    return authority;
  }

  public boolean ssl() {
    return ssl;
  }

  boolean ejected(long now) {
    return ejectedUntilNanos - now > 0;
  }

  long ejectedUntilNanos() {
    return ejectedUntilNanos;
  }

  void succeeded() {
    if (consecutiveFailures.get() != 0) {
      consecutiveFailures.set(0);
    }
  }

  void failed(int threshold, long ejectNanos) {
    if (consecutiveFailures.incrementAndGet() >= threshold) {
      consecutiveFailures.set(0);
      ejectedUntilNanos = System.nanoTime() + ejectNanos;
    }
  }

  @Override
  public String toString() {
    return uri.toString();
  }
}

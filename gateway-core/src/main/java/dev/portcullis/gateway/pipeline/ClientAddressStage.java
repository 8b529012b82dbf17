package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.net.ClientAddressResolver;
import io.vertx.core.net.SocketAddress;

/** Step 2: who is asking — the socket peer, or the client behind a trusted proxy. */
final class ClientAddressStage implements Stage {

  private final ClientAddressResolver resolver;

  ClientAddressStage(ClientAddressResolver resolver) {
    this.resolver = resolver;
  }

  @Override
  public void handle(Exchange exchange) {
    SocketAddress peer = exchange.request().remoteAddress();
    String peerHost = peer == null ? "" : peer.hostAddress();
    exchange.clientAddress(resolver.resolve(peerHost, exchange.request().headers().getAll("X-Forwarded-For")),
        resolver.isTrusted(peerHost));
    exchange.next();
  }
}

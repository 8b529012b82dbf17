package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.identity.portal.LoginPortal;

/**
 * Beside the journey, not in it: the login portal ({@code /.portcullis/…}) and the gateway's JWKS
 * ({@code /.well-known/jwks.json}) answer here, on every host, before any route is matched.
 */
final class PortalStage implements Stage {

  private final IdentityServices identity;

  PortalStage(IdentityServices identity) {
    this.identity = identity;
  }

  @Override
  public void handle(Exchange exchange) {
    if (identity != null && LoginPortal.serves(exchange.path())) {
      identity.portal().handle(exchange);
      return;
    }
    exchange.next();
  }
}

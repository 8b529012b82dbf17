package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.plugin.Identity;

/**
 * Part of step 7: when the route asks for it and someone is signed in, the upstream request carries
 * the signed identity assertion (the forwarder has already removed any value the client sent).
 */
final class AssertionStage implements Stage {

  private final IdentityServices identity;

  AssertionStage(IdentityServices identity) {
    this.identity = identity;
  }

  @Override
  public void handle(Exchange exchange) {
    GatewayConfig.AssertionSpec spec = exchange.route().config().assertion();
    Identity who = exchange.identity();
    if (spec != null && who != null && identity != null) {
      exchange.upstreamHeader(spec.header(), identity.assertions().assertion(who, spec));
    }
    exchange.next();
  }
}

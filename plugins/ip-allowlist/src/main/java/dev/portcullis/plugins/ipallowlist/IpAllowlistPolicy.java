package dev.portcullis.plugins.ipallowlist;

import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyContext;
import dev.portcullis.plugin.net.Cidr;
import dev.portcullis.plugin.net.IpAddresses;
import io.vertx.core.Future;

import java.util.List;

/**
 * Allows a client address inside an allowed network unless it is inside a denied one. Decides on
 * the core's resolved client address only (never {@code X-Forwarded-For}, never DNS); an address
 * that does not parse is denied.
 */
final class IpAllowlistPolicy implements Policy {

  static final String KEY = "IP_NOT_ALLOWED";

  private static final Future<Decision> ALLOW = Future.succeededFuture(Decision.allow());
  private static final Future<Decision> DENY = Future.succeededFuture(
      Decision.deny(403, KEY, "requests from your network are not allowed on this route"));

  private final Cidr[] allow;
  private final Cidr[] deny;

  IpAllowlistPolicy(List<Cidr> allow, List<Cidr> deny) {
    this.allow = allow.toArray(new Cidr[0]);
    this.deny = deny.toArray(new Cidr[0]);
  }

  @Override
  public Future<Decision> evaluate(PolicyContext context) {
    byte[] address = IpAddresses.parse(context.clientAddress());
    if (address == null || matches(deny, address)) {
      return DENY;
    }
    return matches(allow, address) ? ALLOW : DENY;
  }

  private static boolean matches(Cidr[] networks, byte[] address) {
    for (Cidr network : networks) {
      if (network.contains(address)) {
        return true;
      }
    }
    return false;
  }
}

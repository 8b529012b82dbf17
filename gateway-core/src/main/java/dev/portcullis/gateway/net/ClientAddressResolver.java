package dev.portcullis.gateway.net;

import dev.portcullis.plugin.net.Cidr;
import dev.portcullis.plugin.net.IpAddresses;

import java.util.List;

/**
 * Decides who the client is. The socket peer is the client unless the peer is a trusted proxy; then
 * {@code X-Forwarded-For} is read from the right, skipping trusted proxies, and the first address
 * that is not trusted is the client. An entry that is not an IP literal stops the walk (the last
 * address known good is used), so a forged header can never name an arbitrary client behind an
 * untrusted hop.
 */
public final class ClientAddressResolver {

  private final List<Cidr> trustedProxies;

  public ClientAddressResolver(List<Cidr> trustedProxies) {
    this.trustedProxies = List.copyOf(trustedProxies);
  }

  public boolean isTrusted(String address) {
    if (trustedProxies.isEmpty()) {
      return false;
    }
    byte[] bytes = IpAddresses.parse(address);
    for (Cidr cidr : trustedProxies) {
      if (cidr.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  /**
   * @param peer           the socket peer's address
   * @param forwardedFor   every {@code X-Forwarded-For} header value in order (may be empty)
   */
  public String resolve(String peer, List<String> forwardedFor) {
    if (forwardedFor.isEmpty() || !isTrusted(peer)) {
      return peer;
    }
    String client = peer;
    for (int h = forwardedFor.size() - 1; h >= 0; h--) {
      String[] hops = forwardedFor.get(h).split(",");
      for (int i = hops.length - 1; i >= 0; i--) {
        String hop = IpAddresses.canonical(stripPort(hops[i].trim()));
        if (hop == null) {
          return client;
        }
        client = hop;
        if (!isTrusted(hop)) {
          return hop;
        }
      }
    }
    return client;
  }

  private static String stripPort(String hop) {
    if (hop.startsWith("[")) {
      int end = hop.indexOf(']');
      return end > 0 ? hop.substring(0, end + 1) : hop;
    }
    int colon = hop.indexOf(':');
    if (colon > 0 && hop.indexOf(':', colon + 1) < 0) {
      return hop.substring(0, colon); // IPv4 with port
    }
    return hop;
  }
}

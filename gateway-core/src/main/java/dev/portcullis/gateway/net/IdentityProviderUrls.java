package dev.portcullis.gateway.net;

import java.net.URI;

/**
 * The rule for addresses of identity providers (issuers, JWKS, token endpoints): https, or plain
 * http to loopback only (a provider started by a test on this machine). Secrets and codes travel
 * to these addresses.
 */
public final class IdentityProviderUrls {

  private IdentityProviderUrls() {
  }

  public static boolean acceptable(URI uri) {
    if (uri == null || uri.getHost() == null) {
      return false;
    }
    if ("https".equals(uri.getScheme())) {
      return true;
    }
    String host = uri.getHost();
    return "http".equals(uri.getScheme())
        && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]"));
  }
}

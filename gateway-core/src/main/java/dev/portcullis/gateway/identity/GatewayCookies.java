package dev.portcullis.gateway.identity;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * The gateway's own cookies. All share one prefix, so that the forwarder can keep every one of
 * them away from upstreams (and stop upstreams from setting them).
 */
public final class GatewayCookies {

  public static final String PREFIX = "__Host-portcullis";
  public static final String SESSION = PREFIX;
  public static final String CSRF = PREFIX + "-csrf";
  public static final String OIDC = PREFIX + "-oidc";
  /** A sign-in that proved its first factor and still owes its second. */
  public static final String MFA_PENDING = PREFIX + "-mfa";

  private GatewayCookies() {
  }

  /** A cookie's value from the request's Cookie headers (first occurrence), or null. */
  public static String value(HttpServerRequest request, String name) {
    for (String header : request.headers().getAll(HttpHeaders.COOKIE)) {
      for (String part : header.split(";")) {
        String trimmed = part.trim();
        int eq = trimmed.indexOf('=');
        if (eq > 0 && trimmed.substring(0, eq).equals(name)) {
          return trimmed.substring(eq + 1);
        }
      }
    }
    return null;
  }
}

package dev.portcullis.gateway.identity.portal;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;

/** Security headers and cookies (see GatewayCookies) for every portal answer. */
final class PortalResponse {

  private PortalResponse() {
  }

  static void html(HttpServerRequest request, int status, String html, List<String> cookies) {
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed()) {
      return;
    }
    secure(response);
    cookies.forEach(c -> response.headers().add("Set-Cookie", c));
    response.setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8").end(html);
  }

  static void redirect(HttpServerRequest request, int status, String location, List<String> cookies) {
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed()) {
      return;
    }
    secure(response);
    cookies.forEach(c -> response.headers().add("Set-Cookie", c));
    response.setStatusCode(status).putHeader("Location", location).end();
  }

  static void png(HttpServerRequest request, byte[] image) {
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed()) {
      return;
    }
    secure(response);
    response.setStatusCode(200).putHeader("Content-Type", "image/png")
        .end(io.vertx.core.buffer.Buffer.buffer(image));
  }

  private static void secure(HttpServerResponse response) {
    response.putHeader("Cache-Control", "no-store")
        .putHeader("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; "
            + "form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer");
  }

  /** A host-only, Secure, HttpOnly cookie; {@code maxAgeSeconds} < 0 for a browser-session cookie. */
  static String cookie(String name, String value, String sameSite, long maxAgeSeconds) {
    return name + "=" + value + "; Path=/; Secure; HttpOnly; SameSite=" + sameSite
        + (maxAgeSeconds >= 0 ? "; Max-Age=" + maxAgeSeconds : "");
  }

  static String clear(String name, String sameSite) {
    return cookie(name, "", sameSite, 0);
  }
}

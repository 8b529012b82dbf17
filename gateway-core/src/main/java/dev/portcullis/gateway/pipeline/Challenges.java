package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.identity.portal.LoginPortal;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * How the gateway asks for credentials: a browser (a GET or HEAD that accepts HTML) is sent to the
 * login page with the way back; any other client gets 401 with a {@code WWW-Authenticate} that
 * says what is missing.
 */
final class Challenges {

  private Challenges() {
  }

  static void login(Exchange exchange, boolean portal, String hint) {
    if (portal && isBrowser(exchange.request())) {
      toPortal(exchange, "LOGIN_REDIRECT", LoginPortal.PREFIX + "login");
      return;
    }
    exchange.response().putHeader("WWW-Authenticate", "Bearer realm=\"portcullis\"");
    exchange.reject(new Problem(401, "AUTHENTICATION_REQUIRED", "Unauthorized", hint));
  }

  /**
   * A second factor is missing or too old: a browser goes to the second-factor page (which also
   * offers enrolment); any other client gets RFC 9470's {@code insufficient_user_authentication}.
   */
  static void secondFactor(Exchange exchange, boolean portal, String hint) {
    if (portal && isBrowser(exchange.request())) {
      toPortal(exchange, "MFA_REDIRECT", LoginPortal.PREFIX + "mfa");
      return;
    }
    exchange.response().putHeader("WWW-Authenticate", "Bearer realm=\"portcullis\", "
        + "error=\"insufficient_user_authentication\", error_description=\"" + quoted(hint) + "\"");
    exchange.reject(new Problem(401, "MFA_REQUIRED", "Unauthorized", hint));
  }

  private static void toPortal(Exchange exchange, String outcome, String page) {
    String query = exchange.request().query();
    String back = query == null ? exchange.path() : exchange.path() + "?" + query;
    exchange.outcome(outcome);
    exchange.decided("challenge", outcome);
    HttpServerRequest request = exchange.request();
    request.resume();
    request.response().setStatusCode(302).putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader(HttpHeaders.LOCATION, page + "?rd=" + URLEncoder.encode(back, StandardCharsets.UTF_8)).end();
  }

  static void invalidToken(Exchange exchange, String reason) {
    exchange.response().putHeader("WWW-Authenticate", "Bearer realm=\"portcullis\", error=\"invalid_token\", "
        + "error_description=\"" + quoted(reason) + "\"");
    exchange.reject(new Problem(401, "INVALID_TOKEN", "Unauthorized", "the presented token was refused: " + reason));
  }

  static void other(Exchange exchange, String kind, String hint) {
    exchange.response().putHeader("WWW-Authenticate", "Portcullis realm=\"portcullis\", challenge=\""
        + quoted(kind) + "\", error_description=\"" + quoted(hint) + "\"");
    exchange.reject(new Problem(401, kind.toUpperCase(Locale.ROOT) + "_REQUIRED", "Unauthorized", hint));
  }

  private static boolean isBrowser(HttpServerRequest request) {
    String accept = request.getHeader(HttpHeaders.ACCEPT);
    return (request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD) && accept != null
        && accept.contains("text/html");
  }

  /** A value safe inside a quoted header parameter: no quotes, backslashes or control characters. */
  static String quoted(String value) {
    StringBuilder out = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      out.append(c < 0x20 || c == 0x7f || c == '"' || c == '\\' ? ' ' : c);
    }
    return out.toString();
  }
}

package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.identity.Authenticated;
import dev.portcullis.gateway.identity.GatewayCookies;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.identity.token.ApiTokens;
import dev.portcullis.gateway.identity.token.InvalidTokenException;
import dev.portcullis.gateway.observe.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 4: who is asking. In order: an {@code Authorization: Bearer} API token ({@code pcl_…}) or
 * JWT from a trusted issuer, else the session cookie, else anonymous. A presented token that fails
 * is a 401, never a quiet fall-back to anonymous; an unknown or expired session cookie is simply no
 * session. A route that requires authentication challenges anonymous requests here. When the
 * store or the cluster cannot answer, the request is refused with 503 (fail closed).
 */
final class AuthenticateStage implements Stage {

  private static final Logger LOG = LoggerFactory.getLogger(AuthenticateStage.class);

  private final IdentityServices identity;
  private final GatewayMetrics metrics;

  AuthenticateStage(IdentityServices identity, GatewayMetrics metrics) {
    this.identity = identity;
    this.metrics = metrics;
  }

  @Override
  public void handle(Exchange exchange) {
    if (identity == null) {
      exchange.next(); // config validation allows 'authentication: required' only with an identity section
      return;
    }
    Future<Authenticated> found = authenticate(exchange);
    if (found == null) {
      proceed(exchange);
      return;
    }
    found.onComplete(ar -> {
      if (ar.failed()) {
        if (ar.cause() instanceof InvalidTokenException invalid) {
          metrics.authentication(presented(exchange), "refused");
          Challenges.invalidToken(exchange, invalid.getMessage());
        } else {
          LOG.error("Cannot authenticate request {}: {}", exchange.requestId(), ar.cause().toString());
          exchange.reject(Problem.unavailable("IDENTITY_UNAVAILABLE",
              "the gateway cannot check who is asking right now; the request was refused"));
        }
        return;
      }
      if (exchange.response().closed()) {
        return;
      }
      Authenticated who = ar.result();
      metrics.authentication(who == null ? "session" : who.method(), who == null ? "refused" : "accepted");
      exchange.authenticated(who);
      proceed(exchange);
    });
  }

  /** Null when the request carries no credential for the gateway. */
  private Future<Authenticated> authenticate(Exchange exchange) {
    String authorization = exchange.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      Future<Authenticated> byToken = identity.authenticateToken(authorization.substring(7).trim());
      if (byToken != null) {
        return byToken;
      }
      // No issuer is configured: the token is the upstream's business, not ours.
    }
    String sessionId = GatewayCookies.value(exchange.request(), GatewayCookies.SESSION);
    if (sessionId == null) {
      return null;
    }
    return identity.sessions().find(sessionId).compose(session -> {
      if (session == null) {
        return Future.succeededFuture();
      }
      return identity.resolver().resolve(session.userId(), session.authMethods(), null)
          .map(id -> id == null ? null : new Authenticated(id, "session", sessionId, session.userId()));
    });
  }

  /** Which kind of credential a refused request presented (tokens are checked before cookies). */
  private static String presented(Exchange exchange) {
    String authorization = exchange.request().getHeader(HttpHeaders.AUTHORIZATION);
    String token = authorization == null || authorization.length() < 7 ? "" : authorization.substring(7).trim();
    return ApiTokens.looksLikeToken(token) ? "api-token" : "bearer";
  }

  private void proceed(Exchange exchange) {
    if (exchange.authenticated() == null
        && exchange.route().config().authentication() == GatewayConfig.Authentication.REQUIRED) {
      Challenges.login(exchange, true, "this route needs a signed-in user or a valid token");
      return;
    }
    exchange.next();
  }

}

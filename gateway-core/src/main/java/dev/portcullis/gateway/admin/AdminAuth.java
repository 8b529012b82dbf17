package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.identity.Authenticated;
import dev.portcullis.gateway.identity.GatewayCookies;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.identity.token.ApiTokens;
import dev.portcullis.gateway.identity.token.InvalidTokenException;
import dev.portcullis.gateway.pipeline.Problem;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * Who calls the admin API: an {@code Authorization: Bearer} admin API token, or the browser session of an admin whose second factor is at most {@link #MFA_MAX_AGE} old. A
 * session's changes must also carry the header {@value #CSRF_HEADER}, which no other site can make
 * a browser send (the admin listener answers no CORS preflight), so a cookie alone changes nothing.
 */
final class AdminAuth {

  static final Duration MFA_MAX_AGE = Duration.ofMinutes(15);
  static final String CSRF_HEADER = "X-Portcullis-Admin";
  private static final Set<String> SECOND_FACTORS = Set.of("otp", "rc");
  private static final String REALM = "Bearer realm=\"portcullis-admin\"";

  private final IdentityServices identity;
  private final Clock clock;

  AdminAuth(IdentityServices identity, Clock clock) {
    this.identity = identity;
    this.clock = clock;
  }

  /** The caller, or a failed future with an AdminError (401 or 403) to answer with. */
  Future<AdminCaller> authenticate(RoutingContext ctx) {
    String authorization = ctx.request().getHeader("Authorization");
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return unauthenticated(ctx, "INVALID_TOKEN", "only Bearer credentials are accepted", "invalid_request");
      }
      return byToken(ctx, authorization.substring(7).trim());
    }
    String sessionId = GatewayCookies.value(ctx.request(), GatewayCookies.SESSION);
    if (sessionId != null) {
      return bySession(ctx, sessionId);
    }
    return unauthenticated(ctx, "AUTHENTICATION_REQUIRED", "present an admin API token (Authorization: Bearer "
        + "pcl_…) or sign in with a second factor", null);
  }

  private Future<AdminCaller> byToken(RoutingContext ctx, String token) {
    if (!ApiTokens.looksLikeToken(token)) {
      // an IdP's JWT proves no second factor here and cannot be revoked before it expires
      return unauthenticated(ctx, "INVALID_TOKEN", "the admin API accepts admin API tokens (pcl_…) and browser "
          + "sessions with a fresh second factor, not bearer JWTs", "invalid_token");
    }
    Future<Authenticated> found = identity.authenticateToken(token);
    return found.transform(ar -> {
      if (ar.succeeded() && ar.result() != null) {
        Authenticated who = ar.result();
        return Future.succeededFuture(new AdminCaller(who.identity(), who.method(), who.userId()));
      }
      if (ar.failed() && !(ar.cause() instanceof InvalidTokenException)) {
        return Future.failedFuture(ar.cause());
      }
      return unauthenticated(ctx, "INVALID_TOKEN", "the presented token was refused"
          + (ar.failed() ? ": " + ar.cause().getMessage() : ""), "invalid_token");
    });
  }

  private Future<AdminCaller> bySession(RoutingContext ctx, String sessionId) {
    return identity.sessions().find(sessionId).compose(session -> {
      if (session == null) {
        return unauthenticated(ctx, "AUTHENTICATION_REQUIRED", "the session has ended; sign in again", null);
      }
      Instant now = clock.instant();
      boolean fresh = session.authMethods().entrySet().stream().anyMatch(e -> SECOND_FACTORS.contains(e.getKey())
          && !e.getValue().isBefore(now.minus(MFA_MAX_AGE)));
      if (!fresh) {
        ctx.response().putHeader("WWW-Authenticate", REALM + ", error=\"insufficient_user_authentication\"");
        return Future.failedFuture(new AdminError(new Problem(401, "MFA_REQUIRED", "Unauthorized", "the admin API "
            + "needs a second factor from the last " + MFA_MAX_AGE.toMinutes() + " minutes; confirm a code at "
            + "/.portcullis/mfa and retry")));
      }
      if (!safe(ctx.request().method()) && ctx.request().getHeader(CSRF_HEADER) == null) {
        return Future.failedFuture(AdminError.forbidden("CSRF_HEADER_MISSING", "a change made with a session "
            + "cookie must carry the header " + CSRF_HEADER));
      }
      return identity.resolver().resolve(session.userId(), session.authMethods(), null).compose(who -> who == null
          ? unauthenticated(ctx, "AUTHENTICATION_REQUIRED", "the account is disabled or gone", null)
          : Future.succeededFuture(new AdminCaller(who, "session", session.userId())));
    });
  }

  private static boolean safe(HttpMethod method) {
    return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS;
  }

  private static Future<AdminCaller> unauthenticated(RoutingContext ctx, String key, String detail, String error) {
    ctx.response().putHeader("WWW-Authenticate", error == null ? REALM : REALM + ", error=\"" + error + "\"");
    return Future.failedFuture(new AdminError(new Problem(401, key, "Unauthorized", detail)));
  }
}

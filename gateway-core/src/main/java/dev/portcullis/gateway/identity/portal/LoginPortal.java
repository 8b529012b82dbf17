package dev.portcullis.gateway.identity.portal;

import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.identity.GatewayCookies;
import dev.portcullis.gateway.identity.Iam;
import dev.portcullis.gateway.identity.PasswordHasher;
import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.identity.access.AccessRequests;
import dev.portcullis.gateway.identity.login.LoginThrottle;
import dev.portcullis.gateway.identity.mfa.SecondFactor;
import dev.portcullis.gateway.identity.session.SessionStore;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.net.HostPattern;
import dev.portcullis.gateway.pipeline.Exchange;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The login portal under {@code /.portcullis/}: sign in with a password (or through an OIDC
 * provider), sign out, and the gateway's public keys at {@code /.well-known/jwks.json}. It hangs
 * off the side of the request pipeline, before route matching, and never forwards anything.
 *
 * <p>Unknown usernames and wrong passwords get the same page after the same work (a decoy Argon2id
 * check), and are counted alike, so neither the answer, its timing nor a lockout says whether an
 * account exists. Forms carry a CSRF token that must match a {@code SameSite=Strict} cookie.
 */
public final class LoginPortal {

  private static final Logger LOG = LoggerFactory.getLogger(LoginPortal.class);
  public static final String PREFIX = "/.portcullis/";
  public static final String JWKS_PATH = "/.well-known/jwks.json";
  /** How long a sign-in may take between its first factor and its second. */
  public static final Duration PENDING_SIGN_IN = Duration.ofMinutes(5);
  private static final int MAX_FORM = 16 * 1024;
  private static final String BAD_CREDENTIALS = "The username or password is incorrect.";
  /** Password checks waiting or running at once; beyond this a sign-in is asked to retry (503). */
  private static final int MAX_CHECKS_IN_FLIGHT = 64;
  private final java.util.concurrent.atomic.AtomicInteger checksInFlight = new java.util.concurrent.atomic.AtomicInteger();

  private final Iam iam;
  private final PasswordHasher hasher;
  private final SessionStore sessions;
  private final LoginThrottle throttle;
  private final OidcLogin oidc;
  private final ReturnTo returnTo;
  private final java.util.function.Supplier<Map<String, Object>> jwks;
  private final java.util.function.BiConsumer<String, String> signIns;
  private final AuditLog audit;
  private final SecondFactor factor;
  private final SessionStore pending;
  private final MfaPages mfa;
  private final AccessPages access;

  /**
   * @param signIns told (method, result) of every sign-in attempt: pwd or sso; success, failure, locked
   * @param pending sign-ins that proved their first factor and owe the second
   */
  public LoginPortal(Iam iam, PasswordHasher hasher, SessionStore sessions, LoginThrottle throttle, OidcLogin oidc,
      java.util.function.Supplier<List<HostPattern>> hosts, java.util.function.Supplier<Map<String, Object>> jwks,
      java.util.function.BiConsumer<String, String> signIns, AuditLog audit, SecondFactor factor,
      SessionStore pending, java.time.Clock clock, AccessRequests access,
      dev.portcullis.gateway.identity.lifecycle.UnusedAccounts lifecycle) {
    this.lifecycle = lifecycle;
    this.audit = audit;
    this.access = new AccessPages(this, access, sessions);
    this.factor = factor;
    this.pending = pending;
    this.mfa = new MfaPages(this, factor, sessions, pending, clock);
    this.iam = iam;
    this.hasher = hasher;
    this.sessions = sessions;
    this.throttle = throttle;
    this.oidc = oidc;
    this.returnTo = new ReturnTo(hosts);
    this.jwks = jwks;
    this.signIns = signIns;
  }

  private final dev.portcullis.gateway.identity.lifecycle.UnusedAccounts lifecycle;

  void counted(String method, String result) {
    signIns.accept(method, result);
  }

  /**
   * Journals a refused sign-in (auth.failure or auth.lockout). The visitor already has the refusal,
   * so a journal that cannot take it is logged, not shown.
   */
  void refusedSignIn(Exchange exchange, String type, String userId, String tenant, String method, String reason) {
    audit.authentication(type, exchange.requestId(), exchange.clientAddress(), userId, tenant, method, reason)
        .onFailure(e -> LOG.warn("Audit event {} for request {} not written: {}", type, exchange.requestId(),
            e.getMessage()));
  }

  /** A reference to a session that says nothing about its id (events and logs may carry it). */
  static String sessionRef(String sessionId) {
    return SessionStore.ref(sessionId);
  }

  public static boolean serves(String path) {
    return path.startsWith(PREFIX) || path.equals(JWKS_PATH) || path.equals("/.portcullis");
  }

  public void handle(Exchange exchange) {
    HttpServerRequest request = exchange.request();
    String path = exchange.path();
    HttpMethod method = request.method();
    boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
    exchange.outcome("PORTAL");
    if (path.equals(JWKS_PATH) && read) {
      request.resume();
      request.response().putHeader("Content-Type", "application/jwk-set+json")
          .putHeader("Cache-Control", "public, max-age=60")
          .end(new io.vertx.core.json.JsonObject(jwks.get()).encode());
      return;
    }
    switch (path) {
      case "/.portcullis/static/portal.css" -> {
        if (read) {
          request.resume();
          request.response().putHeader("Content-Type", "text/css; charset=utf-8")
              .putHeader("Cache-Control", "public, max-age=3600").end(Html.CSS);
          return;
        }
      }
      case "/.portcullis/login" -> {
        if (read) {
          request.resume();
          showLogin(exchange, queryParam(request, "rd"), "", null, 200);
          return;
        }
        if (method == HttpMethod.POST) {
          form(exchange).onSuccess(form -> { if (form != null) login(exchange, form); });
          return;
        }
      }
      case "/.portcullis/logout" -> {
        if (read) {
          request.resume();
          showLogout(exchange);
          return;
        }
        if (method == HttpMethod.POST) {
          form(exchange).onSuccess(form -> { if (form != null) logout(exchange, form); });
          return;
        }
      }
      default -> {
        if (MfaPages.serves(path) && mfa.handle(exchange, path, method)) {
          return;
        }
        if (AccessPages.serves(path) && access.handle(exchange, path, method)) {
          return;
        }
        if (oidc != null && oidc.serves(path)) {
          request.resume();
          oidc.handle(exchange, this);
          return;
        }
        request.resume();
        PortalResponse.html(request, 404, Html.error("Not found", "There is no such page."), List.of());
        return;
      }
    }
    request.resume();
    request.response().putHeader("Allow", path.endsWith("portal.css") ? "GET, HEAD" : "GET, HEAD, POST");
    PortalResponse.html(request, 405, Html.error("Method not allowed", "This page does not accept "
        + method.name() + "."), List.of());
  }

  private void showLogin(Exchange exchange, String rd, String username, String error, int status) {
    HttpServerRequest request = exchange.request();
    String target = returnTo.validate(rd, exchange.host());
    if (target == null) {
      PortalResponse.html(request, 400, Html.error("Unsafe return address",
          "The page you came from asked to be sent to an address this gateway does not serve."), List.of());
      return;
    }
    String csrf = Secrets.random256();
    List<String[]> providers = oidc == null ? List.of() : oidc.providers();
    PortalResponse.html(request, status, Html.login(csrf, target, username, error, providers),
        List.of(PortalResponse.cookie(GatewayCookies.CSRF, csrf, "Strict", 3600)));
  }

  private void login(Exchange exchange, MultiMap form) {
    HttpServerRequest request = exchange.request();
    String username = form.get("username") == null ? "" : form.get("username").trim();
    String password = form.get("password") == null ? "" : form.get("password");
    String rd = form.get("rd");
    if (returnTo.validate(rd, exchange.host()) == null) {
      showLogin(exchange, rd, username, null, 400);
      return;
    }
    if (username.isEmpty() || password.isEmpty() || username.length() > 128 || password.length() > 1024) {
      showLogin(exchange, rd, username.length() > 128 ? "" : username,
          "Enter your username and password.", 400);
      return;
    }
    String userKey = LoginThrottle.userKey("pwd", username);
    String addressKey = LoginThrottle.addressKey("pwd", exchange.clientAddress());
    throttle.reserve(userKey, addressKey).compose(reservation -> {
      if (!reservation.allowed()) {
        counted("pwd", "locked");
        tooMany(exchange, rd, username, reservation.lockedFor());
        // the subject only when the name is a real account: never write down what was typed
        iam.blocking(() -> iam.store().userByUsername(username)).onSuccess(user -> refusedSignIn(exchange,
            "auth.lockout", user.map(User::id).orElse(null), user.map(User::tenantId).orElse(null), "pwd", "locked"));
        return Future.succeededFuture();
      }
      if (checksInFlight.incrementAndGet() > MAX_CHECKS_IN_FLIGHT) {
        // A flood of sign-ins must not queue Argon2 work ahead of the store lookups requests need.
        checksInFlight.decrementAndGet();
        exchange.request().response().putHeader("Retry-After", "1");
        PortalResponse.html(exchange.request(), 503, Html.error("Sign-in busy",
            "Too many people are signing in right now. Try again in a moment."), List.of());
        return Future.succeededFuture();
      }
      return iam.blocking(() -> check(username, password)).eventually(() -> {
        checksInFlight.decrementAndGet();
        return Future.succeededFuture();
      }).compose(checked -> {
        if (checked.user() == null) {
          counted("pwd", "failure");
          LOG.info("Password login failed from {} (request {})", exchange.clientAddress(), exchange.requestId());
          // the reason an account is disabled is told only to whoever knows its password
          showLogin(exchange, rd, username, checked.tell() != null ? checked.tell() : BAD_CREDENTIALS,
              checked.tell() != null ? 403 : 401);
          refusedSignIn(exchange, "auth.failure", checked.refusedUserId(), checked.refusedTenant(), "pwd",
              checked.refusedUserId() == null ? "unknown-user" : checked.tell() != null ? "disabled"
                  : "bad-credentials");
          return Future.succeededFuture();
        }
        return throttle.succeeded(userKey, addressKey).compose(v -> startSession(exchange, checked.user(), "pwd",
            returnTo.validate(rd, exchange.host())));
      });
    }).onFailure(err -> unavailable(exchange, err));
  }

  /**
   * A password check's result: the user signed in, or — when refused — the account the name
   * belongs to (null for an unknown name), for the audit event only.
   */
  private record PasswordCheck(User user, String refusedUserId, String refusedTenant, String tell) {
    PasswordCheck(User user, String refusedUserId, String refusedTenant) {
      this(user, refusedUserId, refusedTenant, null);
    }
  }

  /** On a worker: the user whose password this is, rehashing it when the parameters changed. */
  private PasswordCheck check(String username, String password) {
    Optional<User> user = iam.store().userByUsername(username);
    if (user.isEmpty() || user.get().passwordHash() == null) {
      hasher.burn(password);
      return new PasswordCheck(null, user.map(User::id).orElse(null), user.map(User::tenantId).orElse(null));
    }
    User found = user.get();
    if (!hasher.matches(password, found.passwordHash())) {
      return new PasswordCheck(null, found.id(), found.tenantId());
    }
    if (!found.active()) {
      return new PasswordCheck(null, found.id(), found.tenantId(), iam.store().disabledReason(found.id())
          .map(lifecycle::reasonToTell).orElse(null));
    }
    if (hasher.needsRehash(found.passwordHash())) {
      iam.store().updatePasswordHash(found.id(), hasher.hash(password));
      iam.userChanged(found.id());
    }
    return new PasswordCheck(found, null, null);
  }

  /**
   * The browser proved its first factor ({@code method}) as {@code user}: when a second factor is
   * owed (enrolled, or a rule requires enrolment), a pending sign-in under its own cookie and on to
   * the second-factor page; otherwise the session at once, and on to the target.
   */
  public Future<Void> startSession(Exchange exchange, User user, String method, String target) {
    return factor.need(user.id()).compose(need -> {
      if (need.requirement() == SecondFactor.Requirement.NONE) {
        return openSession(exchange, user.id(), user.tenantId(), method,
            () -> sessions.create(user.id(), user.tenantId(), user.username(), method)).map(id -> {
              PortalResponse.redirect(exchange.request(), 303, target, List.of(
                  PortalResponse.cookie(GatewayCookies.SESSION, id, "Lax", -1),
                  PortalResponse.clear(GatewayCookies.CSRF, "Strict")));
              return null;
            });
      }
      // journaled first: a right password followed by no second factor is worth knowing about
      return audit.authentication("auth.mfa.required", exchange.requestId(), exchange.clientAddress(), user.id(),
              user.tenantId(), method, need.requirement() == SecondFactor.Requirement.VERIFY ? "verify" : "enrol")
          .compose(seq -> pending.create(user.id(), user.tenantId(), user.username(), method)).map(id -> {
            PortalResponse.redirect(exchange.request(), 303, MfaPages.next(need.requirement(), target), List.of(
                MfaPages.pendingCookie(id), PortalResponse.clear(GatewayCookies.CSRF, "Strict")));
            return null;
          });
    });
  }

  /**
   * Opens a session for a sign-in whose factors are all proven ({@code method} is the first
   * factor): any old session of this browser ends, {@code create} stores the new one, and the
   * sign-in is journaled before the id is handed out — a sign-in that cannot be recorded does not
   * happen. Resolves to the new session id.
   */
  Future<String> openSession(Exchange exchange, String userId, String tenantId, String method,
      java.util.function.Supplier<Future<String>> create) {
    String previous = GatewayCookies.value(exchange.request(), GatewayCookies.SESSION);
    return sessions.delete(previous)
        .compose(v -> create.get())
        .compose(id -> audit.authentication("auth.login", exchange.requestId(), exchange.clientAddress(), userId,
                tenantId, method, null)
            .compose(seq -> audit.session("session.created", userId, sessionRef(id), method))
            .recover(err -> sessions.delete(id).transform(v -> Future.<Long>failedFuture(err)))
            .map(id))
        .onSuccess(id -> {
          lifecycle.signedIn(userId);
          counted(method, "success");
          LOG.info("User {} signed in ({}) from {} (request {})", userId, method, exchange.clientAddress(),
              exchange.requestId());
        });
  }

  /** Journals a session that got a new id for a fresher factor (step-up): the old one ended, a new one began. */
  Future<Void> journalRotation(String userId, String oldId, String newId, String method) {
    return audit.session("session.ended", userId, sessionRef(oldId), "step-up")
        .compose(seq -> audit.session("session.created", userId, sessionRef(newId), method)).mapEmpty();
  }

  private void tooMany(Exchange exchange, String rd, String username, Duration locked) {
    long seconds = Math.max(1, (locked.toMillis() + 999) / 1000);
    exchange.request().response().putHeader("Retry-After", Long.toString(seconds));
    showLogin(exchange, rd, username, "Too many failed attempts. Try again in " + seconds + " second"
        + (seconds == 1 ? "" : "s") + ".", 429);
  }

  private void showLogout(Exchange exchange) {
    HttpServerRequest request = exchange.request();
    sessions.find(GatewayCookies.value(request, GatewayCookies.SESSION)).onComplete(ar -> {
      if (ar.failed()) {
        unavailable(exchange, ar.cause());
      } else if (ar.result() == null) {
        PortalResponse.html(request, 200, Html.signedOut(), List.of());
      } else {
        String csrf = Secrets.random256();
        PortalResponse.html(request, 200, Html.logoutConfirm(csrf, ar.result().username()),
            List.of(PortalResponse.cookie(GatewayCookies.CSRF, csrf, "Strict", 3600)));
      }
    });
  }

  private void logout(Exchange exchange, MultiMap form) {
    HttpServerRequest request = exchange.request();
    String id = GatewayCookies.value(request, GatewayCookies.SESSION);
    sessions.find(id).compose(session -> sessions.delete(id).map(session)).compose(session -> session == null
        ? Future.succeededFuture()
        : audit.authentication("auth.logout", exchange.requestId(), exchange.clientAddress(), session.userId(),
            session.tenantId(), null, null)
            .compose(seq -> audit.session("session.ended", session.userId(), sessionRef(id), "logout"))
            .mapEmpty()).onComplete(ar -> {
      if (ar.failed()) {
        unavailable(exchange, ar.cause());
        return;
      }
      PortalResponse.html(request, 200, Html.signedOut(), List.of(
          PortalResponse.clear(GatewayCookies.SESSION, "Lax"),
          PortalResponse.clear(GatewayCookies.CSRF, "Strict")));
    });
  }

  /**
   * Reads a small url-encoded form and checks its CSRF token; resolves to null after answering
   * when the form is refused.
   */
  Future<MultiMap> form(Exchange exchange) {
    HttpServerRequest request = exchange.request();
    String type = request.getHeader("Content-Type");
    String length = request.getHeader("Content-Length");
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
      refuse(exchange, 415, "Unsupported form", "The form must be sent as application/x-www-form-urlencoded.");
      return Future.succeededFuture();
    }
    if (length == null || !length.trim().matches("\\d{1,6}") || Integer.parseInt(length.trim()) > MAX_FORM) {
      refuse(exchange, 413, "Form too large", "The form must be sent with a Content-Length of at most "
          + MAX_FORM + " bytes.");
      return Future.succeededFuture();
    }
    String origin = request.getHeader("Origin");
    if (origin != null && !origin.equals("null") && !sameOrigin(origin, request)) {
      refuse(exchange, 403, "Request refused", "The form was sent from another site.");
      return Future.succeededFuture();
    }
    Future<Buffer> body = request.body();
    request.resume();
    return body.map(buffer -> {
      MultiMap form = MultiMap.caseInsensitiveMultiMap();
      new QueryStringDecoder(buffer.toString(StandardCharsets.UTF_8), StandardCharsets.UTF_8, false)
          .parameters().forEach((k, v) -> form.add(k, v));
      String cookie = GatewayCookies.value(request, GatewayCookies.CSRF);
      if (!Secrets.constantTimeEquals(cookie, form.get("csrf"))) {
        PortalResponse.html(request, 403, Html.error("Form expired", "This form has expired or was not sent "
            + "from this site. Go back, reload the page and try again."), List.of());
        return null;
      }
      return form;
    });
  }

  private static boolean sameOrigin(String origin, HttpServerRequest request) {
    String host = request.authority() == null ? null : request.authority().toString();
    return host != null && origin.equalsIgnoreCase("https://" + host);
  }

  private static void refuse(Exchange exchange, int status, String title, String message) {
    HttpServerRequest request = exchange.request();
    request.response().putHeader("Connection", "close");
    PortalResponse.html(request, status, Html.error(title, message), List.of());
  }

  void unavailable(Exchange exchange, Throwable err) {
    LOG.error("Login portal could not complete request {}: {}", exchange.requestId(), err.toString());
    PortalResponse.html(exchange.request(), 503, Html.error("Sign-in unavailable",
        "Signing in is not possible right now. Try again in a moment."), List.of());
  }

  void error(Exchange exchange, int status, String title, String message) {
    PortalResponse.html(exchange.request(), status, Html.error(title, message), List.of());
  }

  String validReturn(String rd, String host) {
    return returnTo.validate(rd, host);
  }

  static String queryParam(HttpServerRequest request, String name) {
    String query = request.query();
    if (query == null) {
      return null;
    }
    List<String> values = new QueryStringDecoder("?" + query, StandardCharsets.UTF_8).parameters().get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}

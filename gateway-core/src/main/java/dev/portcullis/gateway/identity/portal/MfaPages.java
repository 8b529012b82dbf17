package dev.portcullis.gateway.identity.portal;

import dev.portcullis.gateway.identity.GatewayCookies;
import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.identity.mfa.SecondFactor;
import dev.portcullis.gateway.identity.session.Session;
import dev.portcullis.gateway.identity.session.SessionStore;
import dev.portcullis.gateway.identity.store.IamException;
import dev.portcullis.gateway.pipeline.Exchange;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The second-factor pages under {@code /.portcullis/mfa}: a sign-in that proved its password
 * (kept in a separate map under its own cookie, so it can never pass for a session) finishes
 * here, and a signed-in user steps up here when a route wants a fresher factor. Enrolment, the QR
 * code, postponing within the grace period and the recovery-code pages live here too.
 */
final class MfaPages {

  static final String VERIFY = "/.portcullis/mfa";
  static final String ENROL = "/.portcullis/mfa/enrol";
  static final String QR = "/.portcullis/mfa/qr.png";
  static final String POSTPONE = "/.portcullis/mfa/postpone";
  private static final Logger LOG = LoggerFactory.getLogger(MfaPages.class);

  /**
   * Who is proving a second factor: a sign-in that owes it ({@code pendingLogin}) or a signed-in
   * user stepping up; {@code cookieId} is the raw id of the cookie that names the entry.
   */
  private record Prover(Session session, String cookieId, boolean pendingLogin) {
    SecondFactor.Attempt attempt(Exchange exchange) {
      return new SecondFactor.Attempt(session.userId(), session.tenantId(), exchange.clientAddress(),
          exchange.requestId());
    }

    /** Names this sign-in to the enrolment it starts (no other sign-in may read or finish it). */
    String signIn() {
      return Secrets.sha256("enrolment|" + cookieId);
    }

    @Override
    public String toString() {
      return "Prover[" + session.userId() + (pendingLogin ? ", pending" : "") + "]"; // never the cookie
    }
  }

  private final LoginPortal portal;
  private final SecondFactor factor;
  private final SessionStore sessions;
  private final SessionStore pending;
  private final Clock clock;

  MfaPages(LoginPortal portal, SecondFactor factor, SessionStore sessions, SessionStore pending, Clock clock) {
    this.portal = portal;
    this.factor = factor;
    this.sessions = sessions;
    this.pending = pending;
    this.clock = clock;
  }

  static boolean serves(String path) {
    return path.equals(VERIFY) || path.startsWith(VERIFY + "/");
  }

  /** Where a sign-in that owes its second factor goes next. */
  static String next(SecondFactor.Requirement requirement, String target) {
    return (requirement == SecondFactor.Requirement.VERIFY ? VERIFY : ENROL) + "?rd="
        + URLEncoder.encode(target, StandardCharsets.UTF_8);
  }

  /** The cookie that names a pending sign-in. */
  static String pendingCookie(String id) {
    return PortalResponse.cookie(GatewayCookies.MFA_PENDING, id, "Lax", LoginPortal.PENDING_SIGN_IN.toSeconds());
  }

  /** Answers a request for one of the pages; false when the path and method name none. */
  boolean handle(Exchange exchange, String path, HttpMethod method) {
    boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
    boolean post = method == HttpMethod.POST;
    HttpServerRequest request = exchange.request();
    if (path.equals(VERIFY) && read) {
      request.resume();
      withProver(exchange, LoginPortal.queryParam(request, "rd"), (prover, rd) -> showVerify(exchange, prover, rd));
    } else if (path.equals(VERIFY) && post) {
      portal.form(exchange).onSuccess(form -> submitted(exchange, form, this::verify));
    } else if (path.equals(ENROL) && read) {
      request.resume();
      withProver(exchange, LoginPortal.queryParam(request, "rd"), (prover, rd) -> {
        if (mayEnrol(exchange, prover, rd)) {
          showEnrol(exchange, prover, rd, null, 200);
        }
      });
    } else if (path.equals(ENROL) && post) {
      portal.form(exchange).onSuccess(form -> submitted(exchange, form, (ex, prover, rd, f) -> {
        if (mayEnrol(ex, prover, rd)) {
          confirm(ex, prover, rd, f);
        }
      }));
    } else if (path.equals(QR) && read) {
      request.resume();
      withProver(exchange, "/", (prover, rd) -> {
        if (mayEnrol(exchange, prover, rd)) {
          qr(exchange, prover);
        }
      });
    } else if (path.equals(POSTPONE) && post) {
      portal.form(exchange).onSuccess(form -> submitted(exchange, form, (ex, prover, rd, f) -> postpone(ex, prover,
          rd)));
    } else {
      return false;
    }
    return true;
  }

  @FunctionalInterface
  private interface ProverAction {
    void run(Prover prover, String returnTo);
  }

  @FunctionalInterface
  private interface FormAction {
    void run(Exchange exchange, Prover prover, String returnTo, MultiMap form);
  }

  private void submitted(Exchange exchange, MultiMap form, FormAction action) {
    if (form != null) {
      withProver(exchange, form.get("rd"), (prover, rd) -> action.run(exchange, prover, rd, form));
    }
  }

  /** Finds who is proving (a pending sign-in first) and checks the way back; else answers itself. */
  private void withProver(Exchange exchange, String rd, ProverAction action) {
    HttpServerRequest request = exchange.request();
    String target = portal.validReturn(rd, exchange.host());
    if (target == null) {
      portal.error(exchange, 400, "Unsafe return address",
          "The page you came from asked to be sent to an address this gateway does not serve.");
      return;
    }
    String pendingId = GatewayCookies.value(request, GatewayCookies.MFA_PENDING);
    String sessionId = GatewayCookies.value(request, GatewayCookies.SESSION);
    pending.find(pendingId).compose(p -> p != null ? Future.succeededFuture(new Prover(p, pendingId, true))
        : sessions.find(sessionId).map(s -> s == null ? null : new Prover(s, sessionId, false))).onComplete(ar -> {
          if (ar.failed()) {
            portal.unavailable(exchange, ar.cause());
          } else if (ar.result() == null) {
            PortalResponse.html(request, 401, MfaHtml.loginAgain("Your sign-in has expired or was not started. "
                + "Sign in again.", target), List.of(PortalResponse.clear(GatewayCookies.MFA_PENDING, "Lax")));
          } else {
            action.run(ar.result(), target);
          }
        });
  }

  /**
   * A signed-in user (not a sign-in in progress) may enrol only with a first factor proven in the
   * last few minutes: a stolen or forgotten session must not be able to add its own authenticator
   * and pass every route that wants a second factor. Otherwise: sign in again, then back here.
   */
  private boolean mayEnrol(Exchange exchange, Prover prover, String rd) {
    if (prover.pendingLogin()) {
      return true;
    }
    Instant cutoff = clock.instant().minus(LoginPortal.PENDING_SIGN_IN);
    boolean fresh = prover.session().authMethods().entrySet().stream()
        .anyMatch(m -> !m.getKey().equals("otp") && !m.getKey().equals("rc") && !m.getValue().isBefore(cutoff));
    if (!fresh) {
      PortalResponse.html(exchange.request(), 401, MfaHtml.loginAgain("To set up two-factor authentication, "
          + "confirm it is you: sign in again.", next(SecondFactor.Requirement.ENROL, rd)), List.of());
    }
    return fresh;
  }

  private void showVerify(Exchange exchange, Prover prover, String rd) {
    factor.enrolled(prover.session().userId()).onComplete(ar -> {
      if (ar.failed()) {
        portal.unavailable(exchange, ar.cause());
      } else if (!ar.result()) {
        PortalResponse.redirect(exchange.request(), 303, next(SecondFactor.Requirement.ENROL, rd), List.of());
      } else {
        codePage(exchange, 200, csrf -> MfaHtml.verify(csrf, rd, !prover.pendingLogin(), null));
      }
    });
  }

  private void verify(Exchange exchange, Prover prover, String rd, MultiMap form) {
    String code = form.get("code");
    if (code == null || code.isBlank() || code.length() > 64) {
      codePage(exchange, 400, csrf -> MfaHtml.verify(csrf, rd, !prover.pendingLogin(), "Enter a code."));
      return;
    }
    factor.verify(prover.attempt(exchange), code).onComplete(ar -> {
      if (ar.failed()) {
        portal.unavailable(exchange, ar.cause());
        return;
      }
      SecondFactor.Result result = ar.result();
      counted(result);
      if (result instanceof SecondFactor.Passed passed) {
        complete(exchange, prover, passed.method(), rd, passed.method().equals("rc")
            ? MfaHtml.recoveryCodeUsed(passed.remaining(), rd) : null);
      } else if (result instanceof SecondFactor.Locked locked) {
        tooMany(exchange, locked.retryAfter(),
            csrf -> MfaHtml.verify(csrf, rd, !prover.pendingLogin(), lockedMessage(locked.retryAfter())));
      } else if (((SecondFactor.Refused) result).reason().equals("not-enrolled")) {
        PortalResponse.redirect(exchange.request(), 303, next(SecondFactor.Requirement.ENROL, rd), List.of());
      } else {
        codePage(exchange, 401, csrf -> MfaHtml.verify(csrf, rd, !prover.pendingLogin(),
            "That code is not right, or was already used. Wait for a new code and try again."));
      }
    });
  }

  private void showEnrol(Exchange exchange, Prover prover, String rd, String error, int status) {
    String userId = prover.session().userId();
    Future<SecondFactor.Need> need = prover.pendingLogin() ? factor.need(userId)
        : Future.succeededFuture(new SecondFactor.Need(SecondFactor.Requirement.NONE, null));
    need.compose(n -> factor.begin(userId, prover.session().username(), prover.signIn())
            .map(enrolment -> Map.entry(n, enrolment)))
        .onComplete(ar -> {
          if (ar.failed() && ar.cause() instanceof IamException e && e.kind() == IamException.Kind.CONFLICT) {
            PortalResponse.redirect(exchange.request(), 303, next(SecondFactor.Requirement.VERIFY, rd), List.of());
          } else if (ar.failed()) {
            portal.unavailable(exchange, ar.cause());
          } else {
            Instant postponeUntil = ar.result().getKey().requirement() == SecondFactor.Requirement.ENROL_OR_POSTPONE
                ? ar.result().getKey().graceUntil() : null;
            codePage(exchange, status, csrf -> MfaHtml.enrol(csrf, rd, ar.result().getValue(), postponeUntil, error));
          }
        });
  }

  private void confirm(Exchange exchange, Prover prover, String rd, MultiMap form) {
    String code = form.get("code") == null ? "" : form.get("code").trim().replace(" ", "");
    factor.confirm(prover.attempt(exchange), code, prover.signIn()).onComplete(ar -> {
      if (ar.failed()) {
        portal.unavailable(exchange, ar.cause());
        return;
      }
      SecondFactor.Result result = ar.result();
      counted(result);
      if (result instanceof SecondFactor.Passed passed) {
        complete(exchange, prover, "otp", rd, MfaHtml.recoveryCodes(passed.recoveryCodes(), rd));
      } else if (result instanceof SecondFactor.Locked locked) {
        exchange.request().response().putHeader("Retry-After", Long.toString(seconds(locked.retryAfter())));
        showEnrol(exchange, prover, rd, lockedMessage(locked.retryAfter()), 429);
      } else {
        // the same secret again: the app already holds it
        showEnrol(exchange, prover, rd, "That code did not match. Check that your device's clock is right and "
            + "enter the next code.", 401);
      }
    });
  }

  private void qr(Exchange exchange, Prover prover) {
    factor.qrCode(prover.session().userId(), prover.session().username(), prover.signIn()).onComplete(ar -> {
      HttpServerRequest request = exchange.request();
      if (ar.failed()) {
        portal.unavailable(exchange, ar.cause());
      } else if (ar.result().isEmpty()) {
        portal.error(exchange, 404, "Not found", "There is no enrolment in progress.");
      } else {
        PortalResponse.png(request, ar.result().get());
      }
    });
  }

  private void postpone(Exchange exchange, Prover prover, String rd) {
    if (!prover.pendingLogin()) {
      PortalResponse.redirect(exchange.request(), 303, rd, List.of());
      return;
    }
    factor.need(prover.session().userId()).onComplete(ar -> {
      if (ar.failed()) {
        portal.unavailable(exchange, ar.cause());
      } else if (ar.result().requirement() == SecondFactor.Requirement.ENROL_OR_POSTPONE) {
        factor.postponed(prover.attempt(exchange)).onComplete(v -> {
          if (v.failed()) {
            portal.unavailable(exchange, v.cause());
          } else {
            complete(exchange, prover, null, rd, null);
          }
        });
      } else {
        showEnrol(exchange, prover, rd, "Two-factor authentication is required for your account: set it up to "
            + "continue.", 403);
      }
    });
  }

  /**
   * The factor is proven ({@code method}, or null when postponed): a pending sign-in becomes a
   * session; a signed-in user's session gets a new id carrying the fresh factor (no fixation).
   * Then on to the target, or to {@code page} first (recovery codes).
   */
  private void complete(Exchange exchange, Prover prover, String method, String rd, String page) {
    Instant now = clock.instant();
    Session session = method == null ? prover.session() : prover.session().withMethod(method, now);
    String firstFactor = prover.session().authMethods().keySet().iterator().next();
    // take, not delete: of two requests finishing one sign-in (or one step-up), only one goes on
    Future<String> id = prover.pendingLogin()
        ? pending.take(prover.cookieId()).compose(taken -> !taken ? Future.succeededFuture(null)
            : portal.openSession(exchange, session.userId(), session.tenantId(), firstFactor,
                () -> sessions.create(session.userId(), session.tenantId(), session.username(),
                    session.authMethods())))
        : sessions.rotate(prover.cookieId(), session).compose(newId -> newId == null ? Future.succeededFuture(null)
            : portal.journalRotation(session.userId(), prover.cookieId(), newId, method).map(newId));
    id.onComplete(ar -> {
      if (ar.failed()) {
        portal.unavailable(exchange, ar.cause());
        return;
      }
      if (ar.result() == null) {
        PortalResponse.html(exchange.request(), 401, MfaHtml.loginAgain("Your sign-in has ended meanwhile. "
            + "Sign in again.", rd), List.of(PortalResponse.clear(GatewayCookies.MFA_PENDING, "Lax")));
        return;
      }
      LOG.info("User {} proved a second factor ({}) from {} (request {})", session.userId(), method == null
          ? "postponed" : method, exchange.clientAddress(), exchange.requestId());
      List<String> cookies = new ArrayList<>(List.of(PortalResponse.cookie(GatewayCookies.SESSION, ar.result(),
          "Lax", -1), PortalResponse.clear(GatewayCookies.CSRF, "Strict")));
      if (prover.pendingLogin()) {
        cookies.add(PortalResponse.clear(GatewayCookies.MFA_PENDING, "Lax"));
      }
      if (page == null) {
        PortalResponse.redirect(exchange.request(), 303, rd, cookies);
      } else {
        PortalResponse.html(exchange.request(), 200, page, cookies);
      }
    });
  }

  private void counted(SecondFactor.Result result) {
    if (result instanceof SecondFactor.Passed passed) {
      portal.counted(passed.method(), "success");
    } else {
      portal.counted("otp", result instanceof SecondFactor.Locked ? "locked" : "failure");
    }
  }

  private void codePage(Exchange exchange, int status, java.util.function.Function<String, String> page) {
    String csrf = Secrets.random256();
    PortalResponse.html(exchange.request(), status, page.apply(csrf),
        List.of(PortalResponse.cookie(GatewayCookies.CSRF, csrf, "Strict", 3600)));
  }

  private void tooMany(Exchange exchange, Duration wait, java.util.function.Function<String, String> page) {
    exchange.request().response().putHeader("Retry-After", Long.toString(seconds(wait)));
    codePage(exchange, 429, page);
  }

  private static long seconds(Duration wait) {
    return Math.max(1, (wait.toMillis() + 999) / 1000);
  }

  private static String lockedMessage(Duration wait) {
    long s = seconds(wait);
    return "Too many wrong codes. Try again in " + s + " second" + (s == 1 ? "" : "s") + ".";
  }
}

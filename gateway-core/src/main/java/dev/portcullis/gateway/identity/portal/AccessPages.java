package dev.portcullis.gateway.identity.portal;

import dev.portcullis.gateway.identity.GatewayCookies;
import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.identity.access.AccessRefused;
import dev.portcullis.gateway.identity.access.AccessRequests;
import dev.portcullis.gateway.identity.session.Session;
import dev.portcullis.gateway.identity.session.SessionStore;
import dev.portcullis.gateway.pipeline.Exchange;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The access pages under {@code /.portcullis/access} (a session is required; without one the
 * browser goes to sign in and comes back): request a role or a route for a while with a reason,
 * see one's own requests, approve or deny the open requests of others in one's tenant (holders of
 * {@code access-requests:approve}), withdraw one's own, and elevate to a role one holds
 * {@code elevate:<role>} for. Forms post back here with the portal's CSRF token; success answers
 * 303 to the page with a notice (post/redirect/get), refused input answers the page again with
 * 400 and every field at fault named.
 */
final class AccessPages {

  static final String PAGE = "/.portcullis/access";
  static final String REQUEST = PAGE + "/request";
  static final String VOTE = PAGE + "/vote";
  static final String WITHDRAW = PAGE + "/withdraw";
  static final String ELEVATE = PAGE + "/elevate";

  /** What the page says after a successful post ({@code ?done=<key>}): fixed texts, nothing reflected. */
  static final Map<String, String> NOTICES = Map.of(
      "requested", "Your request was filed. It needs the approval of other people before it applies.",
      "approved", "Your approval was recorded.",
      "granted", "Your approval was the last one needed: the access is granted now.",
      "denied", "The request was denied.",
      "withdrawn", "Your request was withdrawn.",
      "elevated", "The role is active for you now. It ends by itself.");

  private final LoginPortal portal;
  private final AccessRequests access;
  private final SessionStore sessions;

  AccessPages(LoginPortal portal, AccessRequests access, SessionStore sessions) {
    this.portal = portal;
    this.access = access;
    this.sessions = sessions;
  }

  static boolean serves(String path) {
    return path.equals(PAGE) || path.startsWith(PAGE + "/");
  }

  /** Answers a request for one of the pages; false when the path and method name none. */
  boolean handle(Exchange exchange, String path, HttpMethod method) {
    HttpServerRequest request = exchange.request();
    boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
    if (path.equals(PAGE) && read) {
      request.resume();
      withSession(exchange, session -> show(exchange, session, 200, AccessHtml.Form.prefilled(
          LoginPortal.queryParam(request, "targetType"), LoginPortal.queryParam(request, "target")),
          notice(LoginPortal.queryParam(request, "done")), null));
    } else if (method == HttpMethod.POST && (path.equals(REQUEST) || path.equals(VOTE) || path.equals(WITHDRAW)
        || path.equals(ELEVATE))) {
      // the session first: a browser without one goes to sign in rather than to a CSRF refusal
      sessions.find(GatewayCookies.value(request, GatewayCookies.SESSION)).onComplete(ar -> {
        if (ar.failed()) {
          request.resume();
          portal.unavailable(exchange, ar.cause());
        } else if (ar.result() == null) {
          request.resume();
          toLogin(exchange);
        } else {
          portal.form(exchange).onSuccess(form -> {
            if (form != null) {
              submitted(exchange, ar.result(), path, form);
            }
          });
        }
      });
    } else {
      return false;
    }
    return true;
  }

  private static String notice(String done) {
    return done == null ? null : NOTICES.get(done);
  }

  private void withSession(Exchange exchange, java.util.function.Consumer<Session> action) {
    sessions.find(GatewayCookies.value(exchange.request(), GatewayCookies.SESSION)).onComplete(ar -> {
      if (ar.failed()) {
        portal.unavailable(exchange, ar.cause());
      } else if (ar.result() == null) {
        toLogin(exchange);
      } else {
        action.accept(ar.result());
      }
    });
  }

  private static void toLogin(Exchange exchange) {
    PortalResponse.redirect(exchange.request(), 303, "/.portcullis/login?rd="
        + URLEncoder.encode(PAGE, StandardCharsets.UTF_8), List.of());
  }

  private void submitted(Exchange exchange, Session session, String path, MultiMap form) {
    String userId = session.userId();
    String requestId = exchange.requestId();
    switch (path) {
      case REQUEST -> {
        AccessHtml.Form filled = AccessHtml.Form.request(form.get("targetType"), form.get("target"),
            form.get("reason"), form.get("duration"));
        Duration duration = AccessRequests.parseDuration(form.get("duration"));
        answer(exchange, session, filled, access.request(userId, form.get("targetType"), form.get("target"),
            form.get("reason"), duration == null ? Duration.ZERO : duration, requestId), (r, f) -> "requested");
      }
      case VOTE -> answer(exchange, session, AccessHtml.Form.vote(form.get("request"), form.get("comment")),
          access.vote(form.get("request"), userId, form.get("decision"), form.get("comment"), requestId),
          (result, f) -> switch (result.outcome()) {
            case GRANTED -> "granted";
            case DENIED -> "denied";
            default -> "approved";
          });
      case WITHDRAW -> answer(exchange, session, AccessHtml.Form.none(),
          access.withdraw(form.get("request"), userId, requestId), (r, f) -> "withdrawn");
      default -> {
        AccessHtml.Form filled = AccessHtml.Form.elevate(form.get("role"), form.get("reason"), form.get("duration"));
        Duration duration = AccessRequests.parseDuration(form.get("duration"));
        answer(exchange, session, filled, access.elevate(userId, form.get("role"), form.get("reason"),
            duration == null ? Duration.ZERO : duration, requestId), (b, f) -> "elevated");
      }
    }
  }

  /** Success: 303 back to the page with a notice. Refusal: the page again, with the form as sent and why. */
  private <T> void answer(Exchange exchange, Session session, AccessHtml.Form filled, Future<T> step,
      BiFunction<T, AccessHtml.Form, String> notice) {
    step.onComplete(ar -> {
      if (ar.succeeded()) {
        PortalResponse.redirect(exchange.request(), 303, PAGE + "?done=" + notice.apply(ar.result(), filled),
            List.of());
      } else if (ar.cause() instanceof AccessRefused refused) {
        show(exchange, session, refused.status(), filled.refused(refused), null, refused);
      } else {
        portal.unavailable(exchange, ar.cause());
      }
    });
  }

  private void show(Exchange exchange, Session session, int status, AccessHtml.Form form, String notice,
      AccessRefused refused) {
    access.overview(session.userId()).onComplete(ar -> {
      if (ar.failed() && ar.cause() instanceof AccessRefused inactive) {
        portal.error(exchange, inactive.status(), "Access requests", inactive.getMessage());
      } else if (ar.failed()) {
        portal.unavailable(exchange, ar.cause());
      } else {
        String csrf = Secrets.random256();
        PortalResponse.html(exchange.request(), status, AccessHtml.page(csrf, ar.result(), access.config(), form,
            notice, refused), List.of(PortalResponse.cookie(GatewayCookies.CSRF, csrf, "Strict", 3600)));
      }
    });
  }
}

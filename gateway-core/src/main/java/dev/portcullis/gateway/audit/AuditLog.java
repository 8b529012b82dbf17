package dev.portcullis.gateway.audit;

import dev.portcullis.plugin.audit.PluginEvent;
import io.vertx.core.Future;

import java.time.Clock;
import java.util.Map;
import java.util.function.Function;

/**
 * What the rest of the gateway calls to write audit events. Builds each event in the schema (see
 * {@link AuditEventWriter}), replaces the subject by its pseudonym, and appends it to the journal.
 * Every method's future fails when the event could not be journaled, so that callers can refuse
 * what they were about to allow. Nothing here accepts a password, token, cookie or code: the
 * signatures only take what may be written.
 */
public final class AuditLog {

  /**
   * One access decision.
   *
   * @param decision     allow, deny, challenge, error or shadow
   * @param wouldBe      for shadow: what the shadow policy would have decided (deny, challenge, error)
   * @param latencyNanos from the request's arrival to the decision
   */
  /** @param permissions for an allow: the permissions it was allowed by, comma-separated, or null */
  public record Access(String requestId, String route, String method, String path, String client, String tenant,
      String subject, String authMethod, String decision, String wouldBe, int status, String policy, String key,
      long latencyNanos, String permissions) {
  }

  private final Journal journal;
  private final EventIds ids;
  private final Clock clock;
  private volatile Function<String, Future<String>> pseudonyms;

  public AuditLog(Journal journal, EventIds ids, Clock clock) {
    this.journal = journal;
    this.ids = ids;
    this.clock = clock;
  }

  /** Sets how subjects become pseudonyms (the IAM store; set once identity services run). */
  public void pseudonyms(Function<String, Future<String>> pseudonyms) {
    this.pseudonyms = pseudonyms;
  }

  public Journal journal() {
    return journal;
  }

  /** Null when events can be written, else why not. */
  public String unavailable() {
    return journal.failure();
  }

  /**
   * Submits an access decision. The future is already complete when the subject's pseudonym is
   * cached (the usual case), so the hot path neither waits nor hops; the ticket says when the event
   * is in the journal.
   */
  public Future<Journal.Ticket> access(Access a, boolean sync) {
    return pseudonymOf(a.subject()).map(pseudonym -> submitAccess(a, pseudonym, sync));
  }

  /** Submits an access decision whose subject's pseudonym is known (see {@link #pseudonymOf}). */
  public Journal.Ticket submitAccess(Access a, String pseudonym, boolean sync) {
    return journal.submit(event("access")
        .put("requestId", a.requestId()).put("route", a.route()).put("method", a.method()).put("path", a.path())
        .put("client", a.client()).put("tenant", a.tenant()).put("subject", pseudonym)
        .put("authMethod", a.authMethod()).put("decision", a.decision()).put("wouldBe", a.wouldBe())
        .put("status", a.status() == 0 ? null : a.status()).put("policy", a.policy()).put("key", a.key())
        .put("permissions", a.permissions()).putMillis("latencyMs", a.latencyNanos()).bytes(), sync);
  }

  /**
   * An authentication event: {@code auth.login}, {@code auth.failure}, {@code auth.lockout},
   * {@code auth.logout}, {@code auth.mfa.enrol}, {@code auth.mfa.verify}, {@code auth.mfa.failure},
   * {@code auth.mfa.lockout}, {@code auth.mfa.postpone}.
   *
   * @param subject the user when known (never the name someone typed for an unknown user)
   * @param method  pwd, sso, otp, rc (recovery code), bearer, api-token
   * @param reason  a stable key for failures, e.g. {@code bad-credentials}, {@code locked}
   */
  public Future<Long> authentication(String type, String requestId, String client, String subject, String tenant,
      String method, String reason) {
    return authentication(type, requestId, client, subject, tenant, method, reason, null);
  }

  /**
   * As above, with {@code remaining}: how many recovery codes are left after one was used
   * ({@code auth.mfa.verify} with method {@code rc}).
   */
  public Future<Long> authentication(String type, String requestId, String client, String subject, String tenant,
      String method, String reason, Integer remaining) {
    return pseudonymOf(subject).compose(pseudonym -> journal.append(event(type).put("requestId", requestId)
        .put("client", client).put("subject", pseudonym).put("tenant", tenant).put("method", method)
        .put("reason", reason).put("remaining", remaining).bytes(), false));
  }

  /**
   * A session event: {@code session.created}, {@code session.ended}, {@code session.revoked}.
   *
   * @param sessionRef a reference derived from the session (never its id)
   * @param reason     logout, revoked, password-changed, …
   */
  public Future<Long> session(String type, String subject, String sessionRef, String reason) {
    return pseudonymOf(subject).compose(pseudonym -> journal.append(event(type).put("subject", pseudonym)
        .put("session", sessionRef).put("reason", reason).bytes(), false));
  }

  /** Submits an event a policy emitted through {@code PolicyContext.audit}; the pseudonym is known. */
  public Journal.Ticket submitPlugin(String policyId, PluginEvent plugin, String requestId, String route,
      String pseudonym, boolean sync) {
    return journal.submit(event("plugin." + policyId + "." + plugin.name())
        .put("requestId", requestId).put("route", route).put("subject", pseudonym)
        .put("details", plugin.details()).bytes(), sync);
  }

  /**
   * An administrative change: who did what to which object, in which tenant (null: none, or every
   * tenant — then only global auditors see it). {@code changes} names the fields changed and their
   * new values — never a secret (write {@code "password": "changed"}) and never personal data (write
   * {@code "email": "changed"}). A user, as the target or as a {@code user} change, is written as
   * their audit pseudonym, so that erasing the person also unnames these events.
   */
  public Future<Long> admin(String actor, String tenant, String action, String targetType, String target,
      Map<String, String> changes) {
    String userChange = changes.get("user");
    return Future.all(pseudonymOf(actor), "user".equals(targetType) && target != null ? pseudonymOf(target)
            : Future.succeededFuture(target), userChange == null ? Future.succeededFuture() : pseudonymOf(userChange))
        .compose(names -> {
          Map<String, String> written = changes;
          if (userChange != null) {
            written = new java.util.LinkedHashMap<>(changes);
            written.put("user", names.resultAt(2));
          }
          return journal.append(event("admin." + action).put("actor", names.<String>resultAt(0)).put("tenant", tenant)
              .put("targetType", targetType).put("target", names.<String>resultAt(1)).put("changes", written).bytes(),
              true);
        });
  }

  /**
   * A step of an access request or an elevation ({@code approval.requested}, {@code .approved},
   * {@code .denied}, {@code .granted}, {@code .expired}, {@code .withdrawn}, {@code .elevated}).
   * Fields that do not apply are null.
   *
   * @param requestId      the HTTP request that took the step (null when none did, e.g. expiry)
   * @param accessRequest  the access request's id (null for an elevation)
   * @param subject        the requester (or the user who elevated)
   * @param approver       the approver who voted
   * @param reason         the requester's stated reason (the pages say it is journaled)
   * @param validUntil     when the granted binding ends
   */
  public record Approval(String requestId, String accessRequest, String subject, String approver, String tenant,
      String targetType, String target, String reason, Long durationSeconds, java.time.Instant validUntil,
      Integer approvals, Integer approvalsNeeded) {
  }

  /** Journals an access-request step (synced: it grants or refuses access). */
  public Future<Long> approval(String type, Approval a) {
    return pseudonymOf(a.subject()).compose(subject -> pseudonymOf(a.approver()).compose(approver -> {
      AuditEventWriter event = event(type).put("requestId", a.requestId()).put("accessRequest", a.accessRequest())
          .put("subject", subject).put("approver", approver).put("tenant", a.tenant())
          .put("targetType", a.targetType()).put("target", a.target()).put("reason", a.reason())
          .put("approvals", a.approvals()).put("approvalsNeeded", a.approvalsNeeded())
          .put("validUntil", a.validUntil() == null ? null : AuditEventWriter.TIME.format(a.validUntil()));
      if (a.durationSeconds() != null) {
        event.put("durationSeconds", a.durationSeconds().longValue());
      }
      return journal.append(event.bytes(), true);
    }));
  }

  private AuditEventWriter event(String type) {
    return AuditEventWriter.event(type, ids.next(), clock.instant(), ids.instance());
  }

  /** The subject's pseudonym (null for none); complete at once when it is cached. */
  public Future<String> pseudonymOf(String subject) {
    if (subject == null) {
      return Future.succeededFuture(null);
    }
    Function<String, Future<String>> mapping = pseudonyms;
    if (mapping == null) {
      return Future.failedFuture(new Journal.JournalUnavailableException(
          "audit subjects cannot be pseudonymised: the IAM store is not running"));
    }
    return mapping.apply(subject);
  }
}

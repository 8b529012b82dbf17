package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.audit.Journal;
import dev.portcullis.gateway.config.AuditConfig;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.audit.PluginEvent;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * Turns an exchange into its audit events: the access decision, plus any shadow outcomes and plugin
 * events noted while the policies ran. An allowed request is journaled before it is forwarded
 * ({@link #allowed}); a refused one when its response ends ({@link #refused}), since the refusal
 * itself discloses nothing.
 */
public final class AccessAudit {

  private static final Logger LOG = LoggerFactory.getLogger(AccessAudit.class);

  /** Something the policies noted for the journal: a shadow outcome, or a plugin's event. */
  public sealed interface Note {
  }

  /** A shadow policy's outcome that differs from allowing: {@code wouldBe} is deny, challenge or error. */
  public record Shadow(String policyId, String wouldBe, String key) implements Note {
  }

  /** An event a plugin emitted through its context. */
  public record Plugin(String policyId, PluginEvent event) implements Note {
  }

  private final AuditLog log;

  public AccessAudit(AuditLog log) {
    this.log = log;
  }

  /** Null when events can be written, else why not. */
  String journalFailure() {
    return log.unavailable();
  }

  /**
   * Submits the allow decision (and the request's notes). The future holds the ticket of the last
   * event submitted: the journal writes in order, so when it is done all of them are.
   */
  Future<Journal.Ticket> allowed(Exchange exchange) {
    exchange.decided("allow", null);
    exchange.audited();
    boolean sync = exchange.route().config().auditDurability() == AuditConfig.Durability.SYNC;
    return submit(exchange, sync);
  }

  /** Journals a refusal after its response; a failure is only logged (the request was refused anyway). */
  void refused(Exchange exchange) {
    submit(exchange, false).compose(Journal.Ticket::whenDone).onFailure(e -> LOG.warn(
        "Audit event for refused request {} not written: {}", exchange.requestId(), e.getMessage()));
  }

  /**
   * Journals that a request already journaled as allowed was refused on its way: a second access
   * event with the refusal's decision, key and status. Only logged when it cannot be written: the
   * client is being refused anyway.
   */
  void refusedAfterAllow(Exchange exchange, Problem problem) {
    Identity who = exchange.identity();
    String route = exchange.route() == null ? null : exchange.route().id();
    AuditLog.Access refusal = new AuditLog.Access(exchange.requestId(), route, exchange.request().method().name(),
        exchange.path(), exchange.clientAddress(), who == null ? null : who.tenant(),
        who == null ? null : who.subject(), exchange.authenticated() == null ? "anonymous"
            : exchange.authenticated().method(), problem.status() >= 500 ? "error" : "deny", null, problem.status(),
        null, problem.key(), exchange.elapsedNanos(), null);
    log.access(refusal, false).compose(Journal.Ticket::whenDone).onFailure(e -> LOG.warn(
        "Audit event for request {} refused after it was allowed not written: {}", exchange.requestId(),
        e.getMessage()));
  }

  /**
   * Submits the request's notes, then its decision, in that order and with the same durability, once
   * the subject's pseudonym is known. The journal writes in submission order, so the decision's
   * ticket being done means the notes are written too; the ticket returned is the decision's, or a
   * dropped one when any event could not be taken.
   */
  private Future<Journal.Ticket> submit(Exchange exchange, boolean sync) {
    Identity who = exchange.identity();
    String route = exchange.route() == null ? null : exchange.route().id();
    return log.pseudonymOf(who == null ? null : who.subject()).map(pseudonym -> {
      Journal.Ticket dropped = null;
      for (Note note : exchange.auditNotes()) {
        Journal.Ticket ticket;
        if (note instanceof Shadow shadow) {
          ticket = log.submitAccess(access(exchange, who, route, "shadow", shadow.wouldBe(), shadow.key(),
              shadow.policyId()), pseudonym, sync);
        } else {
          Plugin plugin = (Plugin) note;
          ticket = log.submitPlugin(plugin.policyId(), plugin.event(), exchange.requestId(), route, pseudonym, sync);
        }
        if (ticket.failure() != null) {
          dropped = ticket;
        }
      }
      Journal.Ticket decision = log.submitAccess(access(exchange, who, route, exchange.decision(), null,
          exchange.decisionKey(), exchange.decidedBy()), pseudonym, sync);
      return dropped != null ? dropped : decision;
    });
  }

  /** The problem answered when the journal cannot take an allowed request's event. */
  public static Problem unavailable() {
    return Problem.unavailable("AUDIT_UNAVAILABLE", "the gateway cannot record this access in its audit journal "
        + "right now, so it was refused");
  }

  private static AuditLog.Access access(Exchange exchange, Identity who, String route, String decision,
      String wouldBe, String key, String policy) {
    boolean refused = !"allow".equals(decision) && !"shadow".equals(decision);
    return new AuditLog.Access(exchange.requestId(), route, exchange.request().method().name(), exchange.path(),
        exchange.clientAddress(), who == null ? null : who.tenant(), who == null ? null : who.subject(),
        exchange.authenticated() == null ? "anonymous" : exchange.authenticated().method(), decision, wouldBe,
        refused ? exchange.response().getStatusCode() : 0, policy, key, exchange.decisionLatencyNanos(),
        "allow".equals(decision) ? exchange.permissionsUsed() : null);
  }
}

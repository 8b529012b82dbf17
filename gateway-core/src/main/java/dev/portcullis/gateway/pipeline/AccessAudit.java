package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.config.AuditConfig;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.audit.PluginEvent;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

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
  String unavailable() {
    return log.unavailable();
  }

  /** Journals the allow decision; the future fails when it could not be written. */
  Future<Void> allowed(Exchange exchange) {
    exchange.decided("allow", null);
    exchange.audited();
    boolean sync = exchange.route().config().auditDurability() == AuditConfig.Durability.SYNC;
    return write(exchange, sync);
  }

  /** Journals a refusal after its response; a failure is only logged (the request was refused anyway). */
  void refused(Exchange exchange) {
    write(exchange, false).onFailure(e -> LOG.warn("Audit event for refused request {} not written: {}",
        exchange.requestId(), e.getMessage()));
  }

  private Future<Void> write(Exchange exchange, boolean sync) {
    Identity who = exchange.identity();
    String subject = who == null ? null : who.subject();
    String route = exchange.route() == null ? null : exchange.route().id();
    List<Future<Long>> writes = new ArrayList<>(1 + exchange.auditNotes().size());
    writes.add(log.access(access(exchange, who, route, exchange.decision(), null, exchange.decisionKey(),
        exchange.decidedBy()), sync));
    for (Note note : exchange.auditNotes()) {
      if (note instanceof Shadow shadow) {
        writes.add(log.access(access(exchange, who, route, "shadow", shadow.wouldBe(), shadow.key(),
            shadow.policyId()), sync));
      } else if (note instanceof Plugin plugin) {
        writes.add(log.plugin(plugin.policyId(), plugin.event(), exchange.requestId(), route, subject));
      }
    }
    return writes.size() == 1 ? writes.get(0).mapEmpty() : Future.all(writes).mapEmpty();
  }

  private static AuditLog.Access access(Exchange exchange, Identity who, String route, String decision,
      String wouldBe, String key, String policy) {
    boolean refused = !"allow".equals(decision) && !"shadow".equals(decision);
    return new AuditLog.Access(exchange.requestId(), route, exchange.request().method().name(), exchange.path(),
        exchange.clientAddress(), who == null ? null : who.tenant(), who == null ? null : who.subject(),
        exchange.authenticated() == null ? "anonymous" : exchange.authenticated().method(), decision, wouldBe,
        refused ? exchange.response().getStatusCode() : 0, policy, key, exchange.decisionLatencyNanos());
  }
}

package dev.portcullis.gateway.pipeline;

import io.vertx.core.Future;

/**
 * Step 6: journals the decision to let the request through, before anything is forwarded. When the
 * journal cannot take it, the request is refused with 503 — an access that cannot be proven later
 * does not happen. Routes with {@code audit: { durability: sync }} wait for the fsync.
 */
final class AuditStage implements Stage {

  private final AccessAudit audit;

  AuditStage(AccessAudit audit) {
    this.audit = audit;
  }

  @Override
  public void handle(Exchange exchange) {
    if (audit.unavailable() != null) {
      exchange.audited();
      exchange.reject(unavailable());
      return;
    }
    Future<Void> written = audit.allowed(exchange);
    if (written.succeeded()) {
      exchange.next();
      return;
    }
    written.onComplete(ar -> {
      if (ar.succeeded()) {
        if (!exchange.response().closed()) {
          exchange.next();
        }
      } else {
        exchange.reject(unavailable());
      }
    });
  }

  private static Problem unavailable() {
    return Problem.unavailable("AUDIT_UNAVAILABLE", "the gateway cannot record this access in its audit journal "
        + "right now, so it was refused");
  }
}

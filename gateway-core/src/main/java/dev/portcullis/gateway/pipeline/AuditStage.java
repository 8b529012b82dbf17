package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.audit.Journal;
import dev.portcullis.gateway.proxy.WebSocketRelay;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;

/**
 * Step 6: journals the decision to let the request through. When the journal cannot take it, the
 * request is refused with 503 — an access that cannot be proven later does not happen.
 *
 * <p>When the event is in the journal depends on what the request can do. A safe request (GET, HEAD,
 * OPTIONS, TRACE) on a route with batch durability is forwarded at once while the writer catches up,
 * and its response is held until the event is written (see {@link Exchange#beforeResponse}): reading
 * changes nothing upstream, and the writer is usually done long before the upstream answers. Anything
 * else — a request that may change data, a WebSocket, a route with {@code durability: sync} — waits
 * for its event to be written (synced) before anything is forwarded.
 */
final class AuditStage implements Stage {

  private final AccessAudit audit;

  AuditStage(AccessAudit audit) {
    this.audit = audit;
  }

  @Override
  public void handle(Exchange exchange) {
    if (audit.journalFailure() != null) {
      exchange.audited();
      exchange.reject(AccessAudit.unavailable());
      return;
    }
    Future<Journal.Ticket> submitted = audit.allowed(exchange);
    if (submitted.succeeded()) {
      proceed(exchange, submitted.result());
      return;
    }
    submitted.onComplete(ar -> {
      if (ar.failed()) {
        exchange.reject(AccessAudit.unavailable());
      } else if (!exchange.response().closed()) {
        proceed(exchange, ar.result());
      }
    });
  }

  private static void proceed(Exchange exchange, Journal.Ticket ticket) {
    if (ticket.failure() != null) {
      exchange.reject(AccessAudit.unavailable());
      return;
    }
    if (ticket.done() || forwardFirst(exchange, ticket)) {
      exchange.journalTicket(ticket);
      exchange.next();
      return;
    }
    ticket.whenDone().onComplete(ar -> {
      if (ar.failed()) {
        exchange.reject(AccessAudit.unavailable());
      } else if (!exchange.response().closed()) {
        exchange.next();
      }
    });
  }

  private static boolean forwardFirst(Exchange exchange, Journal.Ticket ticket) {
    HttpMethod method = exchange.request().method();
    boolean safe = method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
        || method == HttpMethod.TRACE;
    return safe && !ticket.syncRequested() && !WebSocketRelay.isUpgrade(exchange.request());
  }
}

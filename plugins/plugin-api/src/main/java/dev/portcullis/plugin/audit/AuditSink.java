package dev.portcullis.plugin.audit;

import io.vertx.core.Future;

import java.util.List;

/**
 * Where a shipper sends the journal's records: a central collector, a SIEM, a broker.
 *
 * <p><b>Delivery contract.</b> The core's shipper calls {@link #deliver} with one batch at a time,
 * in journal order, and never calls it again before the returned future completes. Complete the
 * future only once the receiver has accepted every record of the batch (an HTTP 2xx, a broker
 * acknowledgement, a flushed TLS stream); fail it otherwise. A failed batch is retried with backoff,
 * whole, from its first record, so receivers may see a record more than once and must deduplicate
 * on {@link AuditRecord#eventId()}. The shipper persists its position only after success, so a
 * gateway restart resumes from the first record not yet accepted.
 *
 * <p><b>Threading.</b> {@code deliver} is called on a Vert.x event loop; it must not block (use the
 * Vert.x clients, or {@code vertx.executeBlocking}). A sink that throws is treated like one whose
 * future failed.
 */
public interface AuditSink {

  /** Sends one batch (never empty). */
  Future<Void> deliver(List<AuditRecord> batch);

  /** Releases connections; called when the gateway stops or the sink is replaced. */
  default Future<Void> close() {
    return Future.succeededFuture();
  }
}

package dev.portcullis.gateway.observe;

import dev.portcullis.gateway.pipeline.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sees every request end: counts it and writes one access-log line (JSON through logback).
 * The line carries route, status, duration, request id, client address, method and canonical path —
 * never the query string, a header, a cookie or a body, any of which may hold a secret.
 */
public final class RequestObserver {

  private static final Logger ACCESS = LoggerFactory.getLogger("portcullis.access");

  private final GatewayMetrics metrics;

  public RequestObserver(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  public void completed(Exchange exchange, double durationMs) {
    String route = exchange.route() == null ? "" : exchange.route().id();
    int status = exchange.response().getStatusCode();
    boolean completed = exchange.response().ended();
    metrics.request(route.isEmpty() ? "none" : route, completed ? status : 0);
    if (ACCESS.isInfoEnabled()) {
      ACCESS.atInfo()
          .addKeyValue("route", route)
          .addKeyValue("status", completed ? status : 0)
          .addKeyValue("durationMs", Math.round(durationMs * 1000) / 1000.0)
          .addKeyValue("requestId", exchange.requestId())
          .addKeyValue("client", exchange.clientAddress())
          .addKeyValue("method", exchange.request().method().name())
          .addKeyValue("path", exchange.path())
          .addKeyValue("outcome", completed ? exchange.outcome() : "CLIENT_GONE")
          .addKeyValue("policy", exchange.decidedBy())
          .log("request");
    }
  }

  public void upstreamLatency(String route, long nanos) {
    metrics.upstreamLatency(route, nanos);
  }
}

package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.proxy.TraceContext;

/**
 * Gives the request its id and W3C trace context. A well-formed {@code X-Request-Id} is kept only
 * from a trusted proxy (anyone else could reuse another request's id in the logs); a well-formed
 * {@code traceparent} is continued from anyone, since it only links traces.
 */
final class RequestIdStage implements Stage {

  @Override
  public void handle(Exchange exchange) {
    var headers = exchange.request().headers();
    exchange.ids(TraceContext.requestId(exchange.peerTrusted() ? headers.get("X-Request-Id") : null),
        TraceContext.childTraceparent(headers.get("traceparent")));
    exchange.next();
  }
}

package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.proxy.TraceContext;

/** Gives the request its id and W3C trace context, taking well-formed ones from the client. */
final class RequestIdStage implements Stage {

  @Override
  public void handle(Exchange exchange) {
    var headers = exchange.request().headers();
    exchange.ids(TraceContext.requestId(headers.get("X-Request-Id")),
        TraceContext.childTraceparent(headers.get("traceparent")));
    exchange.next();
  }
}

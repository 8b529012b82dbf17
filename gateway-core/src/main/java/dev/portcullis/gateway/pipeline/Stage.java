package dev.portcullis.gateway.pipeline;

/**
 * One step of the request path. A stage either calls {@link Exchange#next()} to pass the request on,
 * or ends it with {@link Exchange#reject(Problem)} (or by completing the response itself, as the
 * forward stage does). It is called on the request's event loop and must not block.
 */
public interface Stage {

  void handle(Exchange exchange);
}

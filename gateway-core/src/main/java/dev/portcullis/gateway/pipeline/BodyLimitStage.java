package dev.portcullis.gateway.pipeline;

/**
 * Refuses a declared body over the route's limit before reading any of it (and before a
 * {@code 100 Continue} is sent). Bodies without a declared length are counted while they stream,
 * by the forwarder.
 */
final class BodyLimitStage implements Stage {

  @Override
  public void handle(Exchange exchange) {
    long limit = exchange.route().config().maxBodySize();
    String declared = exchange.request().getHeader("Content-Length");
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        exchange.reject(Problem.badRequest("INVALID_CONTENT_LENGTH", "Content-Length is not a number"));
        return;
      }
      if (length > limit) {
        exchange.reject(Problem.bodyTooLarge(limit));
        return;
      }
    }
    exchange.next();
  }
}
